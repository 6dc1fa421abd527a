/**
 * @module @weft/sdk
 * Weft's authoring SDK. The code-native API (`integration`, `flow`, `configPage`, `configVar`,
 * `connectionConfigVar`, `dataSourceConfigVar`) has the names and shapes of Prismatic's Spectral SDK, and
 * produces the same component objects.
 */
export * from './code-native.js';
export * from './component.js';
export * from './component-builders.js';
export { codeNativeComponentKey, flowFunctionKey } from './component-key.js';
export { type ComponentShape, componentManifest } from './component-manifest.js';
export * from './component-registry.js';
export * from './config-vars.js';
export {
  type ConnectionDefinition,
  type ConnectionDefinitionInput,
  type ConnectionDefinitionInputs,
  type ConnectionDisplayDefinition,
  ConnectionError,
  connection,
  type DefaultConnectionDefinition,
  isConnectionError,
  type OAuth2AuthorizationCodeConnectionDefinition,
  type OAuth2AuthorizationCodeInputs,
  type OAuth2ClientCredentialsConnectionDefinition,
  type OAuth2ClientCredentialsInputs,
  type OAuth2ConnectionDefinition,
  oauth2Connection,
  type RequiredTemplateInputs,
  templateConnectionInputs,
} from './connection-builders.js';
export * from './context.js';
export { codeNativeIntegrationModel, convertIntegration } from './convert-integration.js';
export * from './inputs.js';
export * from './integration-definition.js';
export * from './state-operations.js';
export * from './testing.js';
export * from './util.js';
