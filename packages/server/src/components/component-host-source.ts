import { egressProxyClientSource } from '@weft/egress';

/**
 * The script a component sandbox process runs (CommonJS, no dependencies: it is written next to the bundle in the
 * sandbox's own directory, the only place the process may read). It loads one bundle, then performs the calls the
 * server sends over the IPC channel one at a time: an action, a trigger, a trigger's instance deploy/delete or
 * webhook create/delete function, or a data source. Everything a call's context needs arrives with the call as plain data; the two
 * things that reach back to the platform (log lines and `invokeFlow`) are messages on the same channel.
 *
 * The bundle shares this process, so it could forge messages: the server treats every answer as untrusted data
 * about this one call, never as instructions.
 *
 * Its network is the egress proxy's socket (the second argument): before the bundle loads, HTTP agents and fetch
 * are pointed at it (`@weft/egress`'s egressProxyClientSource), so components' requests work unchanged wherever
 * Weft's egress policy lets them go.
 */
export const componentHostSource = `'use strict';
const [bundlePath, egressSocket] = process.argv.slice(2);
${egressProxyClientSource}
if (egressSocket) installEgressProxyClient(egressSocket);
const send = process.send.bind(process);
const exit = process.exit.bind(process);
const stringify = JSON.stringify;

// The permission model does not cover signals: nothing the bundle runs may signal another process.
for (const name of ['kill', '_kill']) {
  try {
    Object.defineProperty(process, name, {
      value() { throw new Error('process.' + name + ' is not available to components'); },
      writable: false,
      configurable: false,
    });
  } catch {}
}

let currentCall;
function text(args) {
  return args.map((arg) => {
    if (typeof arg === 'string') return arg;
    if (arg instanceof Error) return arg.message;
    try { return stringify(arg) ?? String(arg); } catch { return Object.prototype.toString.call(arg); }
  }).join(' ');
}
function post(message, then) {
  try { send(message, then); } catch { if (then) then(); }
}
// Exits once the last message is on its way (IPC sends are asynchronous), or after a moment regardless.
function postAndExit(message, code) {
  setTimeout(() => exit(code), 1000).unref();
  post(message, () => exit(code));
}
function logger(callId) {
  const write = (level) => (...args) => post({ type: 'log', callId, level, message: text(args).slice(0, 65536) });
  return { metric: write('metric'), trace: write('trace'), debug: write('debug'), info: write('info'), log: write('info'), warn: write('warn'), error: write('error') };
}
// console output lands in the running call's logs, as Prismatic keeps console calls with the execution.
for (const [method, level] of [['log', 'info'], ['info', 'info'], ['debug', 'debug'], ['warn', 'warn'], ['error', 'error'], ['trace', 'trace']]) {
  console[method] = (...args) => { if (currentCall !== undefined) post({ type: 'log', callId: currentCall, level, message: text(args).slice(0, 65536) }); };
}

// The message a thrown value that is not an Error carries: what an error hook (Spectral's hooks.error) returned,
// such as a string, {message}, the API's own error body ({error: {message}}, {error, error_description},
// {errors: [...]}, {detail}, ...), or Spectral's handleErrors answer {message, data, status, headers}, whose data is
// the API's body (its message is added to the generic one). Undefined when it carries none.
const messageFields = ['error_description', 'errorMessage', 'error_message', 'detail', 'title', 'description', 'reason', 'msg'];
function ownMessageOf(value, depth) {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (!value || typeof value !== 'object' || depth > 4) return undefined;
  if (Array.isArray(value)) {
    const messages = value.slice(0, 5).map((item) => messageOf(item, depth + 1)).filter((item) => item !== undefined);
    return messages.length > 0 ? messages.join('; ') : undefined;
  }
  if (typeof value.message === 'string' && value.message.trim() !== '') return value.message;
  if (typeof value.error === 'string' && value.error.trim() !== '') {
    const detail = typeof value.error_description === 'string' && value.error_description.trim() !== '' ? value.error_description
      : typeof value.detail === 'string' && value.detail.trim() !== '' ? value.detail : undefined;
    return detail === undefined ? value.error : value.error + ': ' + detail;
  }
  for (const field of ['error', 'errors', 'fault']) {
    const found = messageOf(value[field], depth + 1);
    if (found !== undefined) return found;
  }
  for (const field of messageFields) {
    if (typeof value[field] === 'string' && value[field].trim() !== '') return value[field];
  }
  return undefined;
}
function messageOf(value, depth) {
  const own = ownMessageOf(value, depth);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return own;
  for (const field of ['data', 'body', 'response']) {
    const inner = value[field];
    if (inner === undefined || inner === null || inner === '') continue;
    const text = messageOf(inner, depth + 1) ?? jsonOf(inner);
    const found = text.length > 2000 ? text.slice(0, 2000) + '…' : text;
    return own === undefined || own === found ? found : own + ': ' + found;
  }
  return own;
}
function jsonOf(value) {
  try {
    const json = stringify(value);
    return json === undefined ? String(value) : json.length > 2000 ? json.slice(0, 2000) + '…' : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function describeError(error) {
  try {
    if (error && typeof error === 'object') {
      const response = error.response && typeof error.response === 'object' ? error.response : undefined;
      const status = typeof error.status === 'number' ? error.status
        : typeof error.statusCode === 'number' ? error.statusCode
        : response && typeof response.status === 'number' ? response.status : undefined;
      const connection = error.connection && typeof error.connection === 'object' ? error.connection : undefined;
      // An Error says what it says; anything else an error hook returned says it in its own fields, or as JSON.
      let message = error instanceof Error
        ? (typeof error.message === 'string' && error.message !== '' ? error.message : String(error))
        : messageOf(error, 0) ?? jsonOf(error);
      // fetch says only "fetch failed": why (a refused address, a refused connection...) is its cause.
      const cause = error.cause instanceof Error && message === 'fetch failed' ? error.cause : undefined;
      if (cause && typeof cause.message === 'string') message += ': ' + cause.message;
      return {
        name: typeof error.name === 'string' ? error.name : 'Error',
        message: message.split(bundlePath).join('component.js'),
        stack: typeof error.stack === 'string' ? error.stack.split(bundlePath).join('component.js').slice(0, 8000) : undefined,
        code: typeof error.code === 'string' ? error.code : cause && typeof cause.code === 'string' ? cause.code : undefined,
        status,
        isConnectionError: error.isConnectionError === true || error.name === 'ConnectionError' || connection !== undefined,
        connectionKey: connection && typeof connection.configVarKey === 'string' ? connection.configVarKey
          : connection && typeof connection.key === 'string' ? connection.key : undefined,
      };
    }
    // A string (what an error hook often returns) is the message itself.
    if (typeof error === 'string' && error.trim() !== '') return { name: 'Error', message: error.split(bundlePath).join('component.js') };
    return { name: 'Error', message: 'the component threw ' + typeof error + ' ' + String(error).slice(0, 500) };
  } catch {
    return { name: 'Error', message: 'the component threw an error that cannot be described' };
  }
}

let component;
const pendingFlows = new Map();
let nextRpc = 0;

function contextFor(call) {
  const context = call.context;
  context.logger = logger(call.callId);
  context.invokeFlow = (flowName, data, config) => new Promise((resolve, reject) => {
    const rpcId = ++nextRpc;
    pendingFlows.set(rpcId, { resolve, reject });
    post({ type: 'invokeFlow', callId: call.callId, rpcId, flowName, data, config });
  });
  context.components = {};
  // Spectral's code-native context calls other components through _components.invoke: not offered by Weft yet,
  // so say so rather than answer nothing.
  context._components = {
    invoke: (componentKey, actionKey) => {
      throw new Error('context.components (calling ' + componentKey + '/' + actionKey + ' from code) is not supported by Weft: use a step with that action in the flow instead');
    },
  };
  context.debug = {
    enabled: false,
    timeElapsed: { mark: () => {}, measure: () => {} },
    memoryUsage: () => {},
    results: { timeElapsed: { marks: {}, measurements: {} }, allowedMemory: 0, memoryUsage: [] },
  };
  return context;
}

function operation(call) {
  const groups = { action: 'actions', trigger: 'triggers', onInstanceDeploy: 'triggers', onInstanceDelete: 'triggers', webhookCreate: 'triggers', webhookDelete: 'triggers', dataSource: 'dataSources' };
  const group = component[groups[call.kind]];
  const found = Array.isArray(group) ? group.find((item) => item && item.key === call.key) : group && group[call.key];
  // A trigger's lifecycle functions (Spectral's onInstanceDeploy/onInstanceDelete, and webhookCreate/webhookDelete
  // that convertTrigger makes of webhookLifecycleHandlers) are called by their own name; everything else is perform.
  const eventKinds = ['onInstanceDeploy', 'onInstanceDelete', 'webhookCreate', 'webhookDelete'];
  const fn = found && (eventKinds.includes(call.kind) ? found[call.kind] : found.perform);
  if (typeof fn !== 'function') {
    const what = call.kind === 'action' ? 'action' : call.kind === 'dataSource' ? 'data source' : call.kind === 'trigger' ? 'trigger' : call.kind + ' function on trigger';
    throw new Error('component ' + stringify(component.key) + ' has no ' + what + ' ' + stringify(call.key));
  }
  return fn;
}

// The call's own temporary directory, the one place it may write (the server empties and removes it after the
// call): os.tmpdir() answers it while the call runs, so libraries that write temporary files work.
function useTempDir(dir) {
  if (typeof dir === 'string') process.env.TMPDIR = dir;
  else delete process.env.TMPDIR;
}

async function perform(call) {
  currentCall = call.callId;
  useTempDir(call.tmpDir);
  const context = contextFor(call);
  try {
    const fn = operation(call);
    const result = call.kind === 'trigger'
      ? await fn(context, call.payload, call.params)
      : await fn(context, call.params);
    const states = {
      instanceState: context.instanceState,
      crossFlowState: context.crossFlowState,
      executionState: context.executionState,
      integrationState: context.integrationState,
    };
    try {
      send({ type: 'result', callId: call.callId, result: result === undefined ? null : result, states });
    } catch (error) {
      post({ type: 'error', callId: call.callId, error: { name: 'Error', message: 'the component returned a value that cannot be passed back to the platform (' + describeError(error).message + '); return plain data: objects, arrays, strings, numbers, booleans, Buffers, dates' } });
    }
  } catch (error) {
    post({ type: 'error', callId: call.callId, error: describeError(error) });
  } finally {
    currentCall = undefined;
    useTempDir(undefined);
  }
}

process.on('message', (message) => {
  if (!message || typeof message !== 'object') return;
  if (message.type === 'call') perform(message);
  else if (message.type === 'flowResult') {
    const pending = pendingFlows.get(message.rpcId);
    if (!pending) return;
    pendingFlows.delete(message.rpcId);
    if (message.error) pending.reject(new Error(message.error));
    else pending.resolve(message.result);
  }
});
process.on('disconnect', () => exit(0));
process.on('uncaughtException', (error) => {
  // An error no call awaits (a timer, a stray promise): the running call fails with it, the process goes.
  postAndExit({ type: 'crash', callId: currentCall, error: describeError(error) }, 70);
});
process.on('unhandledRejection', (error) => {
  postAndExit({ type: 'crash', callId: currentCall, error: describeError(error) }, 70);
});

try {
  const exported = require(bundlePath);
  let value = exported !== null && (typeof exported === 'object' || typeof exported === 'function') && exported.default != null
    ? exported.default
    : exported;
  Promise.resolve(value).then((loaded) => {
    component = loaded;
    if (!component || typeof component !== 'object') {
      return postAndExit({ type: 'loadFailed', error: { name: 'Error', message: 'the bundle exports no component (module.exports.default must be what component() returns)' } }, 0);
    }
    post({ type: 'ready' });
  }, (error) => postAndExit({ type: 'loadFailed', error: describeError(error) }, 0));
} catch (error) {
  postAndExit({ type: 'loadFailed', error: describeError(error) }, 0);
}
`;
