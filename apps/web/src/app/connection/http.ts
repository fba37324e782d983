import {
  request as clientRequest,
  type FetchLike,
  type RequestInitLike,
} from '@whisperstream/client';
import { BrowserApis } from '../shared/browser-apis';

// The typed errors are the client library's: one set for the page, the tools and the tests.
export {
  bearer,
  HttpError,
  parseRetryAfter,
  ProtocolError,
  ServerUnreachableError,
} from '@whisperstream/client';

/** fetch() through the page's BrowserApis that turns a failure into the client's typed errors. */
export async function request(
  apis: BrowserApis,
  url: string,
  init: RequestInitLike,
): Promise<Response> {
  return (await clientRequest(apis.fetch as FetchLike, url, init, () => apis.now())) as Response;
}
