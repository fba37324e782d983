import { Connection } from 'werift';
import { disableWeriftDefaultStun } from './default-stun';
import {
  DEFAULT_ICE_PATIENCE_MS,
  icePatience,
  installWeriftIcePatience,
  weriftIceOriginals,
} from './ice-patience';

type IceConnection = InstanceType<typeof Connection>;
type ConnectionProto = { connect(this: IceConnection): Promise<void> };
const proto = Connection.prototype as unknown as ConnectionProto;

/** An ICE agent on loopback only, with its host candidate gathered. */
async function agent(controlling: boolean): Promise<IceConnection> {
  const connection = new Connection(controlling, {
    useIpv4: true,
    useIpv6: false,
    additionalHostAddresses: ['127.0.0.1'],
    interfaceAddresses: { udp4: '127.0.0.1' },
  } as ConstructorParameters<typeof Connection>[1]);
  await connection.gatherCandidates();
  return connection;
}

/**
 * A browser that hides its addresses, against the server: the server (controlled) hears only
 * `end-of-candidates` from the browser (its mDNS names were of no use), while the browser
 * (controlling) has the server's candidates and checks them.
 */
async function hiddenClient(): Promise<{ server: IceConnection; client: IceConnection }> {
  const [server, client] = await Promise.all([agent(false), agent(true)]);
  server.setRemoteParams({
    iceLite: false,
    usernameFragment: client.localUsername,
    password: client.localPassword,
  });
  client.setRemoteParams({
    iceLite: false,
    usernameFragment: server.localUsername,
    password: server.localPassword,
  });
  for (const candidate of server.localCandidates) await client.addRemoteCandidate(candidate);
  await client.addRemoteCandidate(undefined);
  await server.addRemoteCandidate(undefined);
  return { server, client };
}

const settle = (promise: Promise<void>) =>
  promise.then(
    () => 'connected',
    (error: Error) => error.message,
  );

describe('werift ICE patience', () => {
  const agents: IceConnection[] = [];
  const track = <T extends { server: IceConnection; client: IceConnection }>(pair: T): T => {
    agents.push(pair.server, pair.client);
    return pair;
  };

  beforeAll(() => {
    disableWeriftDefaultStun();
    expect(installWeriftIcePatience()).toBe(true);
  });
  afterEach(async () => {
    icePatience(DEFAULT_ICE_PATIENCE_MS);
    await Promise.all(agents.splice(0).map((a) => a.close()));
  });

  it("werift's own connect fails at once when the peer ended its candidates with none usable", async () => {
    const { server, client } = track(await hiddenClient());
    const serverResult = settle(weriftIceOriginals.connect.call(server as never));
    void settle(client.connect());
    expect(await serverResult).toBe('ICE negotiation failed');
  });

  it("connects through the peer's checks (a peer-reflexive pair) after an empty end-of-candidates", async () => {
    const { server, client } = track(await hiddenClient());
    const serverResult = settle(proto.connect.call(server));
    // The browser checks a moment after it gets the answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await Promise.all([serverResult, settle(client.connect())])).toEqual([
      'connected',
      'connected',
    ]);
    expect(server.state).toBe('connected');
    const nominated = server.checkList.find((pair) => pair.nominated);
    expect(nominated?.remoteCandidate.type).toBe('prflx');
  });

  it('gives up once its patience is spent when no check arrives', async () => {
    icePatience(200);
    const { server } = track(await hiddenClient());
    const started = Date.now();
    const result = await settle(proto.connect.call(server));
    expect(result).toMatch(/^ICE negotiation failed: no candidate pair worked within 200 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('stops waiting when the ICE session is closed', async () => {
    const { server } = track(await hiddenClient());
    const result = settle(proto.connect.call(server));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    expect(await result).toBe('ICE negotiation failed: closed while checking');
  });

  it('refuses a patience that is not a duration', () => {
    expect(() => icePatience(-1)).toThrow(RangeError);
    expect(() => icePatience(Number.NaN)).toThrow(RangeError);
    expect(icePatience()).toBe(DEFAULT_ICE_PATIENCE_MS);
  });
});
