/**
 * The other end of the egress proxy, inside a sandbox process: CommonJS source (no dependencies) that defines
 * `installEgressProxyClient(proxyPath)`. Called before any component code loads, it makes the ways Node code
 * usually reaches HTTP open their connections as tunnels through the proxy's Unix-domain socket:
 * - every `http.Agent` and `https.Agent` (the global agents and any a library makes: axios, got, node-fetch,
 *   Spectral's HTTP client), by their `createConnection`;
 * - the global `fetch`, by a global dispatcher of Node's own undici whose connector tunnels.
 * Code that opens sockets some other way (net.connect, tls.connect, its own undici) is not redirected; in a
 * sandbox without a network of its own, such a connection simply fails.
 *
 * A tunnel is `CONNECT host:port` (TLS, when wanted, runs inside it, end to end with the server: the proxy never
 * sees the plaintext). The proxy's refusal comes back as an Error with the proxy's code and message
 * (EGRESS_ADDRESS_REFUSED and its explanation), which is what the component's request fails with.
 */
export const egressProxyClientSource = `
function installEgressProxyClient(proxyPath) {
  const net = require('node:net');
  const tls = require('node:tls');
  const http = require('node:http');
  const https = require('node:https');
  const connectSocket = net.connect;
  const connectTls = tls.connect;
  const maxHead = 65536;

  function bare(host) {
    return typeof host === 'string' && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : String(host);
  }

  function proxyError(status, body, authority) {
    let code = 'EGRESS_PROXY_FAILED';
    let message = 'the egress proxy answered ' + status + ' to a connection to ' + authority;
    try {
      const parsed = JSON.parse(body);
      if (parsed && parsed.error && typeof parsed.error.message === 'string') {
        message = parsed.error.message;
        if (typeof parsed.error.code === 'string') code = parsed.error.code;
      }
    } catch {}
    const error = new Error(message);
    error.code = code;
    return error;
  }

  // A socket connected to host:port through the proxy: callback(null, socket), or callback(error).
  function tunnel(host, port, callback) {
    const name = bare(host);
    const authority = (net.isIPv6(name) ? '[' + name + ']' : name) + ':' + port;
    let settled = false;
    const finish = (error, socket) => {
      if (settled) return;
      settled = true;
      callback(error, socket);
    };
    const socket = connectSocket({ path: proxyPath });
    let buffered = Buffer.alloc(0);
    let headEnd = -1;
    let status = 0;
    let length = 0;
    const stop = () => {
      socket.removeListener('readable', onReadable);
      socket.removeListener('error', onError);
      socket.removeListener('end', onEnd);
    };
    const onError = (error) => {
      stop();
      socket.destroy();
      finish(Object.assign(new Error('could not reach ' + authority + ' through the egress proxy: ' + error.message), { code: error.code }));
    };
    const onEnd = () => {
      stop();
      socket.destroy();
      finish(status ? proxyError(status, buffered.subarray(headEnd + 4).toString('utf8'), authority)
        : new Error('the egress proxy closed the connection to ' + authority));
    };
    function onReadable() {
      let chunk;
      while ((chunk = socket.read()) !== null) buffered = Buffer.concat([buffered, chunk]);
      if (headEnd < 0) {
        headEnd = buffered.indexOf('\\r\\n\\r\\n');
        if (headEnd < 0) {
          if (buffered.length > maxHead) onError(new Error('the proxy answered with headers too large'));
          return;
        }
        const head = buffered.subarray(0, headEnd).toString('latin1');
        status = Number((/^HTTP\\/1\\.[01] (\\d{3})/.exec(head) || [])[1] || 0);
        if (status === 200) {
          stop();
          const rest = buffered.subarray(headEnd + 4);
          if (rest.length > 0) socket.unshift(rest);
          finish(null, socket);
          return;
        }
        length = Number((/\\r\\ncontent-length:\\s*(\\d+)/i.exec(head) || [])[1] || 0);
      }
      if (buffered.length - headEnd - 4 >= length) {
        stop();
        socket.destroy();
        finish(proxyError(status, buffered.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8'), authority));
      }
    }
    socket.on('readable', onReadable);
    socket.once('error', onError);
    socket.once('end', onEnd);
    socket.once('connect', () => socket.write('CONNECT ' + authority + ' HTTP/1.1\\r\\nHost: ' + authority + '\\r\\n\\r\\n'));
  }

  function tlsOver(socket, host, options) {
    const name = bare(host);
    const tlsOptions = Object.assign({}, options, {
      socket,
      servername: options.servername || (net.isIP(name) ? undefined : name),
    });
    for (const key of ['host', 'port', 'path', 'lookup', 'family', 'localAddress', 'hints']) delete tlsOptions[key];
    return connectTls(tlsOptions);
  }

  http.Agent.prototype.createConnection = function createConnection(options, callback) {
    tunnel(options.host || options.hostname || 'localhost', Number(options.port) || 80, (error, socket) => callback(error, socket));
  };
  https.Agent.prototype.createConnection = function createConnection(options, callback) {
    const host = options.host || options.hostname || 'localhost';
    tunnel(host, Number(options.port) || 443, (error, socket) => {
      if (error) return callback(error);
      let secured;
      try {
        secured = tlsOver(socket, host, options);
      } catch (tlsError) {
        socket.destroy();
        return callback(tlsError);
      }
      callback(null, secured);
    });
  };

  // fetch: Node's undici reads its dispatcher from this global symbol at every request. Loading undici costs tens of
  // milliseconds, more than the rest of a sandbox's start, so it is done at the first fetch() rather than here:
  // reading one of its lazy globals loads it and makes it install its default Agent under the symbol, whose class,
  // given a connector that tunnels, becomes the dispatcher of every fetch() of this process.
  const dispatcherSymbol = Symbol.for('undici.globalDispatcher.1');
  function tunnellingDispatcher() {
    void globalThis.Headers;
    const current = globalThis[dispatcherSymbol];
    const Agent = current && current.constructor;
    if (typeof Agent !== 'function') return;
    globalThis[dispatcherSymbol] = new Agent({
      connect(options, callback) {
        const https = options.protocol === 'https:';
        tunnel(options.hostname, Number(options.port) || (https ? 443 : 80), (error, socket) => {
          if (error) return callback(error, null);
          if (!https) return callback(null, socket);
          let secured;
          try {
            secured = tlsOver(socket, options.hostname, { servername: options.servername, ALPNProtocols: ['http/1.1'] });
          } catch (tlsError) {
            socket.destroy();
            return callback(tlsError, null);
          }
          const onFailure = (tlsError) => callback(tlsError, null);
          secured.once('error', onFailure);
          secured.once('secureConnect', () => {
            secured.removeListener('error', onFailure);
            callback(null, secured);
          });
        });
      },
    });
  }
  const nodeFetch = globalThis.fetch;
  if (typeof nodeFetch === 'function') {
    let installed = false;
    globalThis.fetch = function fetch(input, init) {
      if (!installed) {
        installed = true;
        tunnellingDispatcher();
      }
      return nodeFetch(input, init);
    };
  }
}
`;
