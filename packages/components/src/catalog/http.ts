import type { CatalogInput } from '@weft/definition';
import {
  bool,
  component,
  connection,
  connectionDefinition,
  data,
  keyValueList,
  operation,
  password,
  picklist,
  str,
} from './define.js';

const responseTypes = ['json', 'text', 'binary'];

const connectionInput = connection('connection', 'Connection');
const url = str('url', 'URL', { required: true });
const body = data('data', 'Data');
const responseType = picklist('responseType', 'Response Type', responseTypes, { default: 'json' });
const headers = keyValueList('headers', 'Header');
const queryParams = keyValueList('queryParams', 'Query Parameter');
const retryAndResponse: CatalogInput[] = [
  str('maxRetries', 'Max Retry Count', { default: '0' }),
  str('retryDelayMS', 'Retry Delay (ms)', { default: '0' }),
  bool('useExponentialBackoff', 'Use Exponential Backoff', { default: 'false' }),
  bool('retryOnAllErrors', 'Retry On All Errors', { default: 'false' }),
  str('timeout', 'Timeout'),
  bool('includeFullResponse', 'Include Full Response', { default: 'false' }),
  bool('debugRequest', 'Debug Request', { default: 'false' }),
  bool('ignoreSslErrors', 'Ignore SSL Errors (Not Recommended)', { default: 'false' }),
  // Key inferred from the label; the documentation does not print it.
  str('maxRedirects', 'Max Redirects', { default: '5' }),
];

function request(method: string, key: string, withBody: boolean) {
  return operation(key, `${method} Request`, `Issue an HTTP ${method} request.`, [
    connectionInput,
    url,
    ...(withBody ? [body] : []),
    responseType,
    headers,
    queryParams,
    ...retryAndResponse,
  ]);
}

const tokenUrl = str('tokenUrl', 'Token URL', { required: true });
const scopes = str('scopes', 'Scopes');
const clientId = str('clientId', 'Client ID', { required: true });

/** Generic connections: the well-known OAuth 2.0 input keys are the ones the server's OAuth 2.0 client reads. */
const connections = [
  connectionDefinition('basic', 'Basic Authentication', 'A username and password.', [
    str('username', 'Username', { required: true }),
    password('password', 'Password', { required: true }),
  ]),
  connectionDefinition('apiKey', 'API Key', 'An API key, sent in a header or a query parameter.', [
    password('apiKey', 'API Key', { required: true }),
    picklist(
      'location',
      'Location',
      [
        { label: 'Header', value: 'header' },
        { label: 'Query Parameter', value: 'query' },
      ],
      { default: 'header' },
    ),
    str('headerName', 'Header Name', { default: 'Authorization' }),
    // Empty: Bearer in the Authorization header, nothing in other headers.
    str('prefix', 'Prefix'),
    str('queryParamName', 'Query Parameter Name', { default: 'api_key' }),
  ]),
  connectionDefinition('bearerToken', 'Bearer Token', 'A token, sent as Authorization: Bearer.', [
    password('token', 'Token', { required: true }),
  ]),
  connectionDefinition(
    'oauth2',
    'OAuth 2.0 Authorization Code',
    'OAuth 2.0 authorization code grant, with PKCE.',
    [
      str('authorizeUrl', 'Authorize URL', { required: true }),
      tokenUrl,
      str('refreshUrl', 'Refresh URL'),
      str('revokeUrl', 'Revoke URL'),
      scopes,
      clientId,
      password('clientSecret', 'Client Secret'),
    ],
    { oauth2Type: 'authorization_code', oauth2PkceMethod: 'S256' },
  ),
  connectionDefinition(
    'oauth2ClientCredentials',
    'OAuth 2.0 Client Credentials',
    'OAuth 2.0 client credentials grant.',
    [tokenUrl, scopes, clientId, password('clientSecret', 'Client Secret', { required: true })],
    { oauth2Type: 'client_credentials' },
  ),
];

/** Plain HTTP requests, optionally authenticated by a connection. */
export const http = component('http', 'HTTP', {
  connections,
  actions: [
    request('GET', 'httpGet', false),
    request('POST', 'httpPost', true),
    request('PUT', 'httpPut', true),
    request('PATCH', 'httpPatch', true),
    request('DELETE', 'httpDelete', false),
    operation(
      'httpPostFormData',
      'POST/PUT Form Data Request',
      'Send multipart/form-data with POST or PUT; often used to upload files.',
      [
        connectionInput,
        url,
        picklist('httpMethod', 'HTTP Method', ['post', 'put'], { default: 'post' }),
        responseType,
        keyValueList('formData', 'Form Data'),
        keyValueList('fileData', 'File Data', 'data'),
        keyValueList('fileDataFileNames', 'File Data File Names'),
        headers,
        queryParams,
        ...retryAndResponse,
      ],
    ),
  ],
});
