/**
 * Input fields (the fields of a connection a deployer fills in) and the runtime shapes of the values that config
 * variables and inputs hold. Shapes and names follow Spectral's.
 */

/** One entry of a key/value list. */
export interface KeyValuePair<V = unknown> {
  key: string;
  value: V;
}

export interface Element {
  key: string;
  label?: string;
}

/** The value of an object selection: the objects (and their fields) a deployer picked. */
export type ObjectSelection = Array<{ object: Element; fields?: Element[]; defaultSelected?: boolean }>;

/** The value of an object field map: which field of which object each field maps to. */
export interface ObjectFieldMap {
  fields: Array<{
    field: Element;
    mappedObject?: Element;
    mappedField?: Element;
    defaultObject?: Element;
    defaultField?: Element;
  }>;
  options?: Array<{ object: Element; fields: Element[] }>;
}

/** Binary data with its content type: what a `data` input holds once cleaned with `util.types.toData`. */
export interface DataPayload {
  data: Buffer;
  contentType: string;
  /** The file extension to use when the data is written to a file (`csv`). */
  suggestedExtension?: string;
}

/** The value of a schedule config variable at run time. */
export interface Schedule {
  /** A cron expression. */
  value: string;
  schedule_type: string;
  time_zone: string;
}

/** A JSON Forms form: the data schema, how to lay it out, and default data. */
export interface JSONForm {
  schema: Record<string, unknown>;
  uiSchema: Record<string, unknown>;
  data?: Record<string, unknown> | unknown[];
}

/** The value of a connection config variable at run time: the connection's field values (and its token). */
export interface Connection {
  /** The connection definition's key. */
  key: string;
  /** The name of the config variable that holds it. */
  configVarKey: string;
  /** Its input values, by input key. */
  fields: { [key: string]: unknown };
  /** OAuth 2.0 connections: the current token. */
  token?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** The value of a (legacy) credential config variable at run time. */
export interface Credential {
  authorizationMethod: string;
  fields: Record<string, string>;
  token?: Record<string, unknown>;
}

/** One choice of a picklist input. */
export interface InputFieldChoice {
  label: string;
  value: string;
}

export type InputFieldCollection = 'valuelist' | 'keyvaluelist';

/** Who may see and set a config variable (or a connection input). */
export type PermissionAndVisibilityType = 'customer' | 'embedded' | 'organization';

export interface InputVisibility {
  /**
   * `customer` (default): customers see and edit it; `embedded`: set programmatically, hidden from customers;
   * `organization`: only your organization sets it.
   */
  permissionAndVisibilityType?: PermissionAndVisibilityType;
  /** Whether an organization user deploying the instance sees it (default true). */
  visibleToOrgDeployer?: boolean;
}

interface BaseInputField {
  /** The label deployers see (key/value lists may label the key and the value). */
  label: string | { key: string; value: string };
  placeholder?: string;
  /** Guidance shown under the field. */
  comments?: string;
  example?: string;
  required?: boolean;
}

type CollectionOptions<T> =
  | { collection?: undefined; default?: T }
  | { collection: 'valuelist'; default?: T[] }
  | { collection: 'keyvaluelist'; default?: Array<KeyValuePair<T>> };

/** The kinds of field a connection may ask for. */
export type ConnectionInputType = 'string' | 'data' | 'text' | 'password' | 'boolean';

/** A field of a connection, as `connectionConfigVar({inputs})` declares it. */
export type ConnectionInput = BaseInputField &
  CollectionOptions<string> &
  InputVisibility & {
    type: ConnectionInputType;
    /** The allowed values, shown as a picklist. */
    model?: InputFieldChoice[];
    /** False hides the field from deployers (it keeps its default). */
    shown?: boolean;
    /** Replaced by the on-premise agent's endpoint when the connection runs on-premise. */
    onPremControlled?: boolean;
    /** The value is never shown again once saved. */
    writeOnly?: true;
  };

/** Which OAuth 2.0 grant a connection uses (a value and a type, like Spectral's enum). */
export const OAuth2Type = {
  ClientCredentials: 'client_credentials',
  AuthorizationCode: 'authorization_code',
} as const;
export type OAuth2Type = (typeof OAuth2Type)[keyof typeof OAuth2Type];

export const OAuth2PkceMethod = { Plain: 'plain', S256: 'S256' } as const;
export type OAuth2PkceMethod = (typeof OAuth2PkceMethod)[keyof typeof OAuth2PkceMethod];

/**
 * A connection field whose value is computed from the connection's other fields (`{{#domain}}` stands for the
 * value of the field `domain`), so that a deployer types a subdomain once instead of three URLs.
 */
export interface ConnectionTemplateInputField extends InputVisibility {
  label: string;
  type: 'template';
  /** The value, with `{{#otherInput}}` slots: `https://{{#domain}}.acme.com/oauth/authorize`. */
  templateValue: string;
  placeholder?: string;
  comments?: string;
  example?: string;
  required?: boolean;
  /** Template fields are hidden from deployers unless this is true. */
  shown?: boolean;
}

/** Weft: a connection field that is a choice among fixed values (Spectral writes a string field with a `model`). */
export interface ConnectionPicklistInputField extends InputVisibility {
  label: string;
  type: 'picklist';
  model: InputFieldChoice[];
  default?: string;
  placeholder?: string;
  comments?: string;
  example?: string;
  required?: boolean;
  shown?: boolean;
}
