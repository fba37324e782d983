import { launch, type Browser } from 'puppeteer-core';
import { BASE_FLAGS } from './browser';
import { CHROMIUM_PATH, CHROMIUM, FIREFOX, FIREFOX_PATH, PULSEAUDIO } from './requirements';
import type { Requirement } from './requirements';

/** The browsers that real users connect with, each driven by puppeteer-core. */
export type BrowserName = 'chromium' | 'firefox';

export const BROWSER_NAMES: readonly BrowserName[] = ['chromium', 'firefox'];

/** What each browser needs installed (Firefox plays WebAudio only into a sound server). */
export const BROWSER_REQUIREMENTS: Readonly<Record<BrowserName, Requirement[]>> = {
  chromium: [CHROMIUM],
  firefox: [FIREFOX, PULSEAUDIO],
};

export interface PuppeteerLaunchOptions {
  /** `unix:<socket>` of a sound server (startPulseAudio); Firefox needs one. */
  pulseServer?: string;
}

/**
 * Firefox's settings: a microphone without a prompt (the fake one of the preload, so no
 * permission is ever stored and the browser offers mDNS names for its addresses, as for most
 * real users), ICE over loopback (everything is on one machine), media that may start without
 * a gesture; and no connection to anything but the app (puppeteer's defaults already stop
 * updates, safe browsing, data reporting and the blocklist).
 */
export const FIREFOX_PREFS: Readonly<Record<string, unknown>> = {
  'media.navigator.permission.disabled': true,
  'media.navigator.streams.fake': true,
  'media.peerconnection.ice.loopback': true,
  'media.autoplay.default': 0, // allowed
  'media.autoplay.blocking_policy': 0,
  // no phoning home
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'app.update.auto': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'datareporting.usage.uploadEnabled': false,
  'dom.push.connection.enabled': false,
  'dom.push.serverURL': '',
  'extensions.blocklist.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'geo.provider.network.url': '',
  'media.gmp-gmpopenh264.enabled': false, // WebRTC would download the OpenH264 plugin
  'media.gmp-gmpopenh264.autoupdate': false,
  'media.gmp-manager.url': '',
  'media.gmp-provider.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.predictor.enabled': false,
  'network.prefetch-next': false,
  'network.trr.mode': 5, // no DNS over HTTPS
  'security.remote_settings.crlite_filters.enabled': false,
  'services.sync.prefs.sync.browser.startup.homepage': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.unified': false,
};

/**
 * Launches Debian's Chromium or Firefox ESR headless with puppeteer-core (no browser is ever
 * downloaded), each with a fresh profile that puppeteer removes on close:
 *
 * - Chromium over CDP, with the flags of browser.ts (docs/TESTING.md) and no fake-media flags:
 *   the microphone is the preload's (fake-mic-preload.ts), so no permission is granted and
 *   Chromium too offers mDNS names, not addresses.
 * - Firefox over WebDriver BiDi, with FIREFOX_PREFS and `PULSE_SERVER` in its environment.
 */
export async function launchBrowser(
  name: BrowserName,
  options: PuppeteerLaunchOptions = {},
): Promise<Browser> {
  const env: Record<string, string | undefined> = { ...process.env };
  if (options.pulseServer) {
    env['PULSE_SERVER'] = options.pulseServer;
  }
  if (name === 'chromium') {
    return launch({
      executablePath: CHROMIUM_PATH,
      headless: true, // puppeteer adds --headless=new
      args: BASE_FLAGS.filter((flag) => !flag.startsWith('--headless')),
      env,
    });
  }
  if (!options.pulseServer) {
    throw new Error('Firefox starts no AudioContext without a sound server: pass pulseServer');
  }
  return launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS },
    env,
  });
}
