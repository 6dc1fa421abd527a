export {
  type BinaryMark,
  binaryJson,
  binaryMarked,
  bytesOf,
  defaultStoreFromBytes,
  type EncodeOptions,
  type FileValue,
  fileOf,
  isBinary,
  needsBinaryMarks,
  replaceBinary,
  type StoredBytes,
  storedDigests,
  withBinaryData,
} from './binary-data.js';
export { configValues } from './config-values.js';
export {
  EngineError,
  type EngineErrorCode,
  type ErrorRecord,
  engineErrorCodes,
  errorRecord,
} from './engine-error.js';
export { createFakeClock, type FakeClock, fakeClockStart } from './fake-clock.js';
export {
  convertInput,
  type InputScope,
  parsePath,
  renderTemplate,
  resolveInput,
  resolveReference,
} from './inputs.js';
export { defaultLimits, type ExecutionLimits } from './limits.js';
export * from './ports.js';
export { connectionSecrets, Redactor, redactedMark } from './redaction.js';
export {
  type AttemptRecord,
  type ExecutionResult,
  type FlowResponse,
  type RunFlowRequest,
  runFlow,
  type StepRecord,
  type TriggerRequest,
} from './run-flow.js';
export { copyOfStore, diffState } from './state-changes.js';
