/** The server starters moved into shipped code (the e2e bench starts them too); tests keep this path. */
export * from '../../src/testing/servers.js';
