import type { CatalogInput } from '@weft/definition';
import { bool, component, connection, data, keyValueList, operation, picklist, str } from './define.js';

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

/** Plain HTTP requests, optionally authenticated by a connection. */
export const http = component('http', 'HTTP', {
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
