import { inject, Injectable } from '@angular/core';
import { TranscriptFormat, TranscriptJson } from '@whisperstream/shared-types';
import { WHISPERSTREAM_CLIENT } from '../connection/api-client';
import { request } from '../connection/http';
import { BROWSER_APIS } from '../shared/browser-apis';
import { transcriptFileName } from './transcript-format';

export interface TranscriptAccess {
  sessionId: string;
  token: string;
}

/** Gets the server's transcript (downloads, catching up) and copies text to the clipboard. */
@Injectable({ providedIn: 'root' })
export class TranscriptExport {
  readonly #apis = inject(BROWSER_APIS);
  readonly #client = inject(WHISPERSTREAM_CLIENT);

  /** Downloads `GET /api/sessions/{id}/transcript?format=` as `whisperstream-<date>-<time>.<ext>`. */
  async download(access: TranscriptAccess, format: TranscriptFormat): Promise<string> {
    const response = await request(this.#apis, transcriptUrl(access, format), { method: 'GET' });
    const blob = await response.blob();
    const fileName = transcriptFileName(format, new Date(this.#apis.now()));
    this.#apis.saveFile(blob, fileName);
    return fileName;
  }

  /** The transcript as JSON, parsed with the contract's schema. */
  async fetchJson(access: TranscriptAccess): Promise<TranscriptJson> {
    return this.#client.transcript(access, 'json', 'query');
  }

  copy(text: string): Promise<void> {
    return this.#apis.writeClipboard(text);
  }
}

function transcriptUrl(access: TranscriptAccess, format: TranscriptFormat): string {
  return (
    `/api/sessions/${encodeURIComponent(access.sessionId)}/transcript` +
    `?format=${format}&token=${encodeURIComponent(access.token)}`
  );
}
