// Record and replay: the "Record" box asks the server for the run's recording (record: true); the last recording can
// be downloaded as JSON or loaded from a file, and Replay runs the editor's script against it in the page's own
// sandbox, with no request to the server and no real tool touched.
import { type Recording, recordingProblems } from '../enclave/browser.js';
import { byTestId } from './dom.js';

export interface ReplayPanel {
  /** Whether the next run on the server should return a recording. */
  recordAsked(): boolean;
  current(): Recording | undefined;
  set(recording: Recording, where: string): void;
}

export function createReplayPanel(onProblem: (message: string) => void, onRecording: () => void): ReplayPanel {
  const record = byTestId<HTMLInputElement>('record');
  const info = byTestId('recording');
  const download = byTestId<HTMLButtonElement>('download-recording');
  const load = byTestId<HTMLInputElement>('load-recording');
  const replay = byTestId<HTMLButtonElement>('replay');
  let recording: Recording | undefined;

  const set = (next: Recording, where: string): void => {
    recording = next;
    const n = next.calls.length;
    info.textContent = `Recording: ${n} call${n === 1 ? '' : 's'}, ${where}.`;
    download.disabled = false;
    replay.disabled = false;
    onRecording();
  };

  download.addEventListener('click', () => {
    if (!recording) return;
    const blob = new Blob([`${JSON.stringify(recording, null, 2)}\n`], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'recording.json';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000); // the download has started by then
  });

  load.addEventListener('change', async () => {
    const file = load.files?.[0];
    load.value = ''; // the same file may be loaded again after editing it
    if (!file) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch {
      return onProblem(`${file.name} is not JSON. Load a recording saved with "Download" (or the \`recording\` of a result run with record: true).`);
    }
    const problems = recordingProblems(parsed);
    if (problems.length > 0) return onProblem(`${file.name} is not a recording: ${problems.slice(0, 3).join(' ')}`);
    set(parsed as Recording, `loaded from ${file.name}`);
  });

  return { recordAsked: () => record.checked, current: () => recording, set };
}
