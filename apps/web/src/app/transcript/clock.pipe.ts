import { Pipe, PipeTransform } from '@angular/core';
import { formatClock } from './transcript-format';

/** `{{ line.startMs | clock }}` -> `01:05`. */
@Pipe({ name: 'clock' })
export class ClockPipe implements PipeTransform {
  transform(ms: number): string {
    return formatClock(ms);
  }
}
