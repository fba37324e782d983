// The werift runtime patches live in libs/werift-patches (the load generator's clients install
// them too); this path stays for the code that imports it from here.
export { disableWeriftDefaultStun } from '@whisperstream/werift-patches';
