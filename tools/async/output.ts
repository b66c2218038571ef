// Where a kernel build's messages go: the process's own streams, or a
// resident compiler's reply (tools/async/server.ts). A module of its own
// so that the compiler's command (asc.ts) needs nothing heavy to say where.
export interface CompileOutput { stdout(text: string): void; stderr(text: string): void }
export const PROCESS_OUTPUT: CompileOutput = { stdout: (t) => { process.stdout.write(t); }, stderr: (t) => { process.stderr.write(t); } };
