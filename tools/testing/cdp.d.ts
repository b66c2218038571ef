// The part of chrome-remote-interface (npm; a DevTools-protocol client that
// downloads no browser) that tools/testing/browser.ts uses.
declare module "chrome-remote-interface" {
  interface CdpClient {
    send(method: string, params?: object, sessionId?: string): Promise<any>;
    on(event: string, listener: (params: any, sessionId?: string) => void): void;
    close(): Promise<void>;
  }
  function CDP(options: { host?: string; port: number; target?: string }): Promise<CdpClient>;
  export default CDP;
}
