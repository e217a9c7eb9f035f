//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every endpoint, built from the same Rust types the
//! Worker and the web app exchange (their JSON Schemas come from `schemars`, behind the `schema` feature, so
//! neither WebAssembly artefact carries the generator).
//!
//! Each operation's method, path, summary and access come from its endpoint's declaration ([`super::Endpoint`]);
//! this module adds what only the document needs: the tag, the request and response types, the query
//! parameters. Access becomes the `security` requirement (session cookie, API key, or none) and the
//! `x-keyward-access` extension ([`Access::as_str`]), which the tenancy suite reads, and the body's cap in
//! `x-keyward-max-body-bytes` ([`super::endpoint::Body::max_bytes`]), which the limits suite reads.
//!
//! The Worker serves `edge/openapi.json`, which [`document`] wrote; the host test `openapi_is_current` fails when
//! the file and the types drift apart (run `UPDATE_OPENAPI=1 cargo test -p keyward-shared --features schema
//! openapi` to rewrite it), and another checks that it describes every endpoint of [`super::ENDPOINTS`], once.
//! The end-to-end suites check every API answer they receive against it (`tests/e2e/harness.mjs`).

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};

use super::account::{
    ApiKeyList, ChangePassword, CreateApiKey, CreatedApiKey, InviteUser, LoginRequest, ResetLinkView, ResetPassword,
    ResetRequest, SessionList, SessionView, UserList, UserView,
};
use super::admin_account::{
    ACCOUNT_QUERY_MAXIMUM_LENGTH, AccountStatusChange, AdminAccountDetail, AdminAccountList, AdministratorChange,
    NewAccount,
};
use super::audit;
use super::audit::AuditList;
use super::contract::{ContractList, ContractView, NewContract, NewDeposit};
use super::dev::{CreateAccount, CreatedAccount, Mailbox, ReminderSweep, ReminderSweepDone, SeedRequest, SeedResponse};
use super::domain::{
    DomainList, DomainView, MailboxList, MailboxView, MethodChange, NewDomain, NewMailbox, ValidationLinkView,
};
use super::endpoint::{Access, Endpoint, OPENAPI_DOCUMENT};
use super::enrollment::{EnrollmentView, IssuedCertificate, SubmitCsr};
use super::installation::{Installation, InstallationChallenge, InstallationProof};
use super::inventory::{AdminCertificateList, CurrentCertificate, ExpiringWithin, Inventory};
use super::order::{FieldErrorsBody, Ledger, LedgerEntry, OrderList, OrderRequest, OrderView};
use super::organization::{CodeEntry, CodeSent, NewOrganization, OrganizationList, OrganizationView};
use super::policy::Policy;
use super::renewal;
use super::revocation::{CertificateStatus, RevocationChallenge, RevokeRequest};
use super::signup::{CompleteSignup, SignupLinkView, SignupRequest};
use super::vetting::{VettingAnswer, VettingCase, VettingWorkList};
use super::{
    ErrorBody, MessageBody, account, admin_account, contract, dev, domain, enrollment, installation, inventory, order,
    organization, policy, revocation, signup, vetting,
};
use crate::pipeline::OrderState;
use crate::vetting::VettingForm;

/// What a request or response carries.
enum Content {
    None,
    Json(Schema),
    Binary(&'static [&'static str]),
    /// JSON of a schema, or a file of these types, as `Accept` asks.
    JsonOrBinary(Schema, &'static [&'static str]),
}

/// One operation of the API: an endpoint and what the document says beyond its declaration.
struct Operation {
    endpoint: &'static Endpoint,
    tag: &'static str,
    request: Content,
    responses: Vec<(&'static str, &'static str, Content)>,
    query: Vec<(&'static str, &'static str, Schema)>,
}

struct Builder {
    generator: SchemaGenerator,
    operations: Vec<Operation>,
}

impl Builder {
    /// Describes `endpoint`, under `tag`.
    fn add(&mut self, tag: &'static str, endpoint: &'static Endpoint) -> Described<'_> {
        self.operations.push(Operation {
            endpoint,
            tag,
            request: Content::None,
            responses: Vec::new(),
            query: Vec::new(),
        });
        Described { builder: self }
    }
}

/// The operation just added, being described.
struct Described<'a> {
    builder: &'a mut Builder,
}

impl Described<'_> {
    fn operation(&mut self) -> &mut Operation {
        // Invariant: a `Described` is only made by `Builder::add`, right after it pushed the operation.
        self.builder.operations.last_mut().expect("Builder::add pushed the operation")
    }

    /// A JSON request body of type `T`.
    fn request<T: JsonSchema>(mut self) -> Self {
        let schema = self.builder.generator.subschema_for::<T>();
        self.operation().request = Content::Json(schema);
        self
    }

    /// An optional query parameter whose value is a `T`, as the Worker parses it.
    fn query<T: JsonSchema>(mut self, name: &'static str, description: &'static str) -> Self {
        let schema = self.builder.generator.subschema_for::<T>();
        self.operation().query.push((name, description, schema));
        self
    }

    /// An optional query parameter whose value `schema` describes (bounds the Rust type does not carry).
    fn query_schema(mut self, name: &'static str, description: &'static str, schema: Value) -> Self {
        // Invariant: `schema` is a JSON object, as every caller writes it.
        let schema = Schema::try_from(schema).expect("a query parameter's schema is an object");
        self.operation().query.push((name, description, schema));
        self
    }

    /// A response with a JSON body of type `T`.
    fn json<T: JsonSchema>(self, status: &'static str, description: &'static str) -> Self {
        let schema = self.builder.generator.subschema_for::<T>();
        self.response(status, description, Content::Json(schema))
    }

    /// A response with a JSON body of type `T` or, as `Accept` asks, a file of one of `types`.
    fn json_or<T: JsonSchema>(
        self,
        status: &'static str,
        description: &'static str,
        types: &'static [&'static str],
    ) -> Self {
        let schema = self.builder.generator.subschema_for::<T>();
        self.response(status, description, Content::JsonOrBinary(schema, types))
    }

    /// A response with no body.
    fn empty(self, status: &'static str, description: &'static str) -> Self {
        self.response(status, description, Content::None)
    }

    fn response(mut self, status: &'static str, description: &'static str, content: Content) -> Self {
        self.operation().responses.push((status, description, content));
        self
    }
}

/// The document, as the Worker serves it.
pub fn document() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|settings| {
        settings.definitions_path = "/components/schemas".into();
        settings.meta_schema = None;
    });
    let mut builder = Builder { generator: SchemaGenerator::new(settings), operations: Vec::new() };
    operations(&mut builder);
    let error = builder.generator.subschema_for::<ErrorBody>();
    let mut paths = Map::new();
    for operation in &builder.operations {
        let endpoint = operation.endpoint;
        let mut responses = Map::new();
        for (status, description, content) in &operation.responses {
            responses.insert((*status).into(), response(description, content));
        }
        let client_error = "A rejection: the field it is about, a stable code, and what to do.";
        responses.insert("4XX".into(), response(client_error, &Content::Json(error.clone())));
        responses.insert(
            "5XX".into(),
            response("A failure on our side; nothing was changed.", &Content::Json(error.clone())),
        );
        let method = endpoint.method.openapi_name();
        let mut entry = json!({
            "tags": [operation.tag],
            "summary": endpoint.summary,
            "description": endpoint.access.description(),
            "operationId": format!("{method}_{}", endpoint.path.trim_start_matches('/').replace(['/', '{', '}', '-', '.'], "_")),
            "responses": responses,
            "security": security(endpoint.access),
            "x-keyward-access": endpoint.access.as_str(),
            "x-keyward-max-body-bytes": endpoint.body.max_bytes(),
        });
        let parameters: Vec<Value> = endpoint
            .parameters()
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .chain(operation.query.iter().map(|(name, description, schema)| {
                json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
            }))
            .collect();
        if !parameters.is_empty() {
            entry["parameters"] = Value::Array(parameters);
        }
        match &operation.request {
            Content::None => {}
            content => {
                entry["requestBody"] = json!({ "required": true, "content": media(content) });
            }
        }
        let item = paths.entry(endpoint.path).or_insert_with(|| json!({}));
        item[method] = entry;
    }
    let schemas = builder.generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keyward API",
            "version": "1",
            "description": "Client certificates whose private keys never leave the browser. Every rejection is \
                            `{\"error\": {\"code\", \"field\", \"message\"}}`. State-changing requests with the session \
                            cookie must come from Keyward's own pages (Origin / Sec-Fetch-Site); scripts use an API key. Each \
                            operation's `x-keyward-access` names who may call it: public, holder_or_account, \
                            account, account_admin, ca_admin, signed_in, session or development.",
            "license": { "name": "Apache-2.0 OR MIT" }
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": crate::account::SESSION_COOKIE },
                "apiKey": { "type": "http", "scheme": "bearer", "description": "An account API key, kw_…" }
            }
        }
    })
}

/// The `security` requirement of an access: any one of the credentials it takes, or none (`[]`); a holder's
/// proof travels in the body, so revocation also accepts no credential (`{}`).
fn security(access: Access) -> Value {
    let credentials = access.credentials();
    let mut alternatives = Vec::new();
    if access == Access::HolderOrAccount {
        alternatives.push(json!({}));
    }
    if credentials.session {
        alternatives.push(json!({ "session": [] }));
    }
    if credentials.api_key {
        alternatives.push(json!({ "apiKey": [] }));
    }
    Value::Array(alternatives)
}

fn media(content: &Content) -> Value {
    match content {
        Content::None => json!({}),
        Content::Json(schema) => json!({ "application/json": { "schema": schema } }),
        Content::Binary(types) => {
            let mut map = Map::new();
            for content_type in *types {
                map.insert((*content_type).into(), json!({ "schema": { "type": "string", "format": "binary" } }));
            }
            Value::Object(map)
        }
        Content::JsonOrBinary(schema, types) => {
            let mut map = Map::new();
            map.insert("application/json".into(), json!({ "schema": schema }));
            for content_type in *types {
                map.insert((*content_type).into(), json!({ "schema": { "type": "string", "format": "binary" } }));
            }
            Value::Object(map)
        }
    }
}

fn response(description: &str, content: &Content) -> Value {
    match content {
        Content::None => json!({ "description": description }),
        content => json!({ "description": description, "content": media(content) }),
    }
}

/// Every operation: each endpoint of [`super::ENDPOINTS`] once (a host test checks it), by resource.
fn operations(b: &mut Builder) {
    const CERTIFICATE_TYPES: &[&str] = &[
        "application/x-pem-file",
        "application/pkix-cert",
        "application/pkcs7-mime",
        "application/pem-certificate-chain",
    ];

    b.add("meta", &OPENAPI_DOCUMENT).response("200", "OpenAPI 3.1", Content::Json(Schema::default()));

    b.add("enrollment", &enrollment::SHOW_ENROLLMENT)
        .json::<EnrollmentView>("200", "The link and what it will certify");
    b.add("enrollment", &enrollment::SUBMIT_CSR)
        .request::<SubmitCsr>()
        .json::<IssuedCertificate>("201", "The certificate and its chain")
        .json::<ErrorBody>(
            "422",
            "The CSR is refused (not a PEM request, a wrong signature, a key the profile does not take or a weak one), \
             naming the field",
        );

    b.add("ca", &policy::SHOW_POLICY).json::<Policy>("200", "The policy");

    b.add("certificates", &revocation::CERTIFICATE_STATUS).json::<CertificateStatus>("200", "Valid or revoked");
    b.add("certificates", &revocation::REVOCATION_CHALLENGE).json::<RevocationChallenge>("201", "The challenge");
    b.add("certificates", &revocation::REVOKE_CERTIFICATE)
        .request::<RevokeRequest>()
        .json::<CertificateStatus>("200", "The certificate is revoked");
    b.add("certificates", &revocation::DOWNLOAD_CERTIFICATE).response(
        "200",
        "The certificate, as an attachment",
        Content::Binary(CERTIFICATE_TYPES),
    );

    inventory_operations(b);
    reissue_operations(b);

    b.add("certificates", &installation::INSTALLATION_CHALLENGE).json::<InstallationChallenge>("201", "The challenge");
    b.add("certificates", &installation::RECORD_INSTALLATION)
        .request::<InstallationProof>()
        .json::<Installation>("201", "Installed: the proof and the certificate passed")
        .json::<ErrorBody>(
            "422",
            "Refused, naming the field: a challenge not ours, expired or used; a signature by another key; a revoked, \
             expired or foreign certificate",
        );
    b.add("certificates", &installation::MTLS_INSTALLATION)
        .json::<Installation>("201", "Installed: the client certificate Cloudflare verified")
        .json::<ErrorBody>("401", "No client certificate, or one Cloudflare did not verify");

    account_operations(b);
    onboarding_operations(b);

    b.add("orders", &order::PLACE_ORDER)
        .request::<OrderRequest>()
        .json::<OrderView>("200", "The order this idempotency key placed before")
        .json::<OrderView>("201", "The order placed, with its pipeline")
        .json::<FieldErrorsBody>("422", "Every problem of the form, each naming its field");
    b.add("orders", &order::LIST_ORDERS)
        .query_schema(
            "query",
            "An order number (prefix), a recipient's address, or a domain",
            json!({ "type": "string", "maxLength": order::ORDER_QUERY_MAXIMUM_LENGTH }),
        )
        .query::<OrderState>("status", "Only orders in this state")
        .query_schema(
            "page",
            "From 1",
            json!({ "type": "integer", "format": "uint32", "minimum": 1, "maximum": u32::MAX }),
        )
        .json::<OrderList>("200", "A page of orders");
    b.add("orders", &order::SHOW_LEDGER).json::<Ledger>("200", "The balance and entries");
    b.add("orders", &order::SHOW_ORDER).json::<OrderView>("200", "The order");
    b.add("orders", &order::CANCEL_ORDER).json::<OrderView>("200", "The cancelled order");
    b.add("orders", &renewal::RENEW_ORDER).json::<OrderView>("201", "The renewal order");
    b.add("orders", &order::RESEND_ENROLLMENT).empty("204", "Sent; the previous link no longer works");

    validation_operations(b);
    audit_operations(b);
    contract_operations(b);

    b.add("development", &dev::DEV_MAILBOX).json::<Mailbox>("200", "The messages");
    b.add("development", &dev::DEV_CREATE_ACCOUNT).request::<CreateAccount>().json::<CreatedAccount>("201", "Created");
    b.add("development", &dev::DEV_SEED).request::<SeedRequest>().json::<SeedResponse>("201", "The order and its link");
    b.add("development", &dev::DEV_REMINDER_SWEEP)
        .request::<ReminderSweep>()
        .json::<ReminderSweepDone>("200", "What the sweep selected");
}

/// The inventory, the sync endpoint, the "saved" confirmation and the CA administrators' search
/// (`super::inventory`).
fn inventory_operations(b: &mut Builder) {
    const PEM_TYPES: &[&str] = &["application/pem-certificate-chain"];
    let search = json!({ "type": "string", "maxLength": inventory::QUERY_MAXIMUM_LENGTH });
    b.add("certificates", &inventory::LIST_CERTIFICATES)
        .query_schema("q", "A serial, an address or domain, a DNS name, or an order number (prefix)", search.clone())
        .query::<ExpiringWithin>("expiring_within", "Valid certificates ending within 7, 30 or 90 days")
        .query_schema(
            "page",
            "From 1",
            json!({ "type": "integer", "format": "uint32", "minimum": 1, "maximum": u32::MAX }),
        )
        .query_schema("format", "csv for the CSV export", json!({ "enum": ["json", "csv"] }))
        .json_or::<Inventory>("200", "A page of certificates, or every match as CSV", &["text/csv"]);
    b.add("certificates", &inventory::CURRENT_CERTIFICATE)
        .json_or::<CurrentCertificate>("200", "The certificate then its chain, PEM; JSON by Accept", PEM_TYPES)
        .empty("304", "Unchanged since the ETag given in If-None-Match");
    b.add("enrollment", &inventory::CONFIRM_SAVED).empty("204", "Recorded (once: a repeat changes nothing)");
    b.add("administration", &inventory::ADMIN_SEARCH_CERTIFICATES)
        .query_schema("q", "A serial or a recipient's address, exact", search)
        .json::<AdminCertificateList>("200", "The matching certificates, any account");
}

/// Reissue and the account's grace period (`super::reissue`).
fn reissue_operations(b: &mut Builder) {
    use super::reissue::{self, Reissue, ReissueRequested, ReissueSettings};
    b.add("certificates", &reissue::REISSUE_CERTIFICATE).json::<Reissue>("201", "The new link was sent");
    b.add("certificates", &reissue::CANCEL_REISSUE).empty("204", "Cancelled; the certificate is unchanged");
    b.add("enrollment", &reissue::REQUEST_REISSUE)
        .json::<ReissueRequested>("202", "A new link was emailed to the recipient's address");
    b.add("account", &reissue::SHOW_REISSUE_SETTINGS).json::<ReissueSettings>("200", "The settings");
    b.add("account", &reissue::UPDATE_REISSUE_SETTINGS)
        .request::<ReissueSettings>()
        .json::<ReissueSettings>("200", "The settings saved");
}

/// Contracts, deposits and an account's ledger (`super::contract`).
fn contract_operations(b: &mut Builder) {
    b.add("contracts", &contract::LIST_CONTRACTS).json::<ContractList>("200", "The account's contracts");
    b.add("contracts", &contract::LIST_ACCOUNT_CONTRACTS).json::<ContractList>("200", "The account's contracts");
    b.add("contracts", &contract::CREATE_CONTRACT)
        .request::<NewContract>()
        .json::<ContractView>("201", "The contract")
        .json::<FieldErrorsBody>("422", "Every problem of the terms, each naming its field");
    b.add("contracts", &contract::END_CONTRACT).json::<ContractView>("200", "The ended contract");
    b.add("contracts", &contract::RECORD_DEPOSIT)
        .request::<NewDeposit>()
        .json::<LedgerEntry>("201", "The deposit's ledger entry")
        .json::<FieldErrorsBody>("422", "Every problem of the deposit, each naming its field");
    b.add("contracts", &contract::SHOW_ACCOUNT_LEDGER).json::<Ledger>("200", "The balance and entries");
}

/// Sessions, passwords, users and API keys (`super::account`).
fn account_operations(b: &mut Builder) {
    b.add("account", &account::LOG_IN).request::<LoginRequest>().json::<SessionView>("200", "The session");
    b.add("account", &account::SHOW_SESSION).json::<SessionView>("200", "The session");
    b.add("account", &account::LOG_OUT).empty("204", "Logged out");
    b.add("account", &account::LIST_SESSIONS).json::<SessionList>("200", "The sessions (never their tokens)");
    b.add("account", &account::END_SESSION).empty("204", "Ended");
    b.add("account", &account::CHANGE_PASSWORD).request::<ChangePassword>().empty("204", "Changed");
    b.add("account", &account::REQUEST_RESET)
        .request::<ResetRequest>()
        .json::<MessageBody>("202", "Accepted, whatever the address");
    b.add("account", &account::SHOW_RESET)
        .json::<ResetLinkView>("200", "Open (with the account's address), spent or expired");
    b.add("account", &account::RESET_PASSWORD).request::<ResetPassword>().empty("204", "Changed; every session ended");
    b.add("account", &account::LIST_USERS).json::<UserList>("200", "The users");
    b.add("account", &account::INVITE_USER).request::<InviteUser>().json::<UserView>("201", "The invited user");
    b.add("account", &account::DISABLE_USER).json::<UserView>("200", "The disabled user");
    b.add("account", &account::ENABLE_USER).json::<UserView>("200", "The user");
    b.add("account", &account::LIST_API_KEYS).json::<ApiKeyList>("200", "The keys");
    b.add("account", &account::CREATE_API_KEY).request::<CreateApiKey>().json::<CreatedApiKey>("201", "The key");
    b.add("account", &account::REVOKE_API_KEY).empty("204", "Revoked");
    passkey_operations(b);
    notices_operations(b);
    device_request_operations(b);
}

/// Reminder settings (`super::notices`).
fn notices_operations(b: &mut Builder) {
    use super::notices::{
        Attention, ReminderSettingsUpdate, ReminderSettingsView, SHOW_ATTENTION, SHOW_REMINDER_SETTINGS,
        UPDATE_REMINDER_SETTINGS,
    };
    b.add("account", &SHOW_REMINDER_SETTINGS).json::<ReminderSettingsView>("200", "The settings");
    b.add("account", &UPDATE_REMINDER_SETTINGS)
        .request::<ReminderSettingsUpdate>()
        .json::<ReminderSettingsView>("200", "The new settings");
    b.add("account", &SHOW_ATTENTION).json::<Attention>("200", "The four lists");
}

/// Device requests, their approvals, enrollment managers and the account's device setting
/// (`super::device_requests`).
fn device_request_operations(b: &mut Builder) {
    use super::device_requests::{
        ADMIN_DECIDE_DEVICE_REQUEST, ADMIN_DEVICE_QUEUE, ADMIN_SHOW_DEVICE_REQUEST, CANCEL_DEVICE_REQUEST,
        CHANGE_DEVICE_SETTINGS, CREATE_DEVICE_REQUEST, DECIDE_DEVICE_REQUEST, DeviceDecision, DeviceRequestForm,
        DeviceRequestList, DeviceRequestView, DeviceSettings, EDIT_DEVICE_REQUEST, EnrollmentManagerGrant,
        EnrollmentManagerList, GRANT_ENROLLMENT_MANAGER, LIST_DEVICE_REQUESTS, LIST_ENROLLMENT_MANAGERS,
        REMOVE_ENROLLMENT_MANAGER, SHOW_DEVICE_REQUEST, SHOW_DEVICE_SETTINGS,
    };
    let form = "Every problem of the form, each naming its field";
    b.add("device requests", &CREATE_DEVICE_REQUEST)
        .request::<DeviceRequestForm>()
        .json::<DeviceRequestView>("201", "The request, with its identifier")
        .json::<FieldErrorsBody>("422", form);
    b.add("device requests", &LIST_DEVICE_REQUESTS).json::<DeviceRequestList>("200", "The requests");
    b.add("device requests", &SHOW_DEVICE_REQUEST).json::<DeviceRequestView>("200", "The request and its versions");
    b.add("device requests", &EDIT_DEVICE_REQUEST)
        .request::<DeviceRequestForm>()
        .json::<DeviceRequestView>("200", "The request, with the new version")
        .json::<FieldErrorsBody>("422", form);
    b.add("device requests", &CANCEL_DEVICE_REQUEST).json::<DeviceRequestView>("200", "The cancelled request");
    b.add("device requests", &DECIDE_DEVICE_REQUEST)
        .request::<DeviceDecision>()
        .json::<DeviceRequestView>("200", "The decided request")
        .json::<FieldErrorsBody>("422", "The order the approval places, refused: every problem, each naming its field");
    b.add("device requests", &ADMIN_DEVICE_QUEUE).json::<DeviceRequestList>("200", "The queue, oldest first");
    b.add("device requests", &ADMIN_SHOW_DEVICE_REQUEST)
        .json::<DeviceRequestView>("200", "The server request, its versions and history");
    b.add("device requests", &ADMIN_DECIDE_DEVICE_REQUEST)
        .request::<DeviceDecision>()
        .json::<DeviceRequestView>("200", "The decided request")
        .json::<FieldErrorsBody>("422", "The order the approval places, refused: every problem, each naming its field");
    b.add("device requests", &LIST_ENROLLMENT_MANAGERS).json::<EnrollmentManagerList>("200", "The managers");
    b.add("device requests", &GRANT_ENROLLMENT_MANAGER)
        .request::<EnrollmentManagerGrant>()
        .json::<EnrollmentManagerList>("201", "The managers, with the new one");
    b.add("device requests", &REMOVE_ENROLLMENT_MANAGER).json::<EnrollmentManagerList>("200", "The managers left");
    b.add("device requests", &SHOW_DEVICE_SETTINGS).json::<DeviceSettings>("200", "The kinds");
    b.add("device requests", &CHANGE_DEVICE_SETTINGS)
        .request::<DeviceSettings>()
        .json::<DeviceSettings>("200", "The kinds, as set");
}

/// Passkeys and recovery codes (`super::passkey`).
fn passkey_operations(b: &mut Builder) {
    use super::passkey::{
        CONFIRM_WITH_PASSKEY, CONFIRM_WITH_RECOVERY_CODE, CreationOptions, LIST_PASSKEYS, NewPasskey,
        PASSKEY_LOGIN_OPTIONS, PASSKEY_REGISTRATION_OPTIONS, PasskeyAssertion, PasskeyList, REGISTER_PASSKEY,
        REMOVE_PASSKEY, RecoveryCodeEntry, RegisteredPasskey, RequestOptions,
    };
    b.add("passkeys", &PASSKEY_REGISTRATION_OPTIONS).json::<CreationOptions>("200", "The options");
    b.add("passkeys", &REGISTER_PASSKEY)
        .request::<NewPasskey>()
        .json::<RegisteredPasskey>("201", "The passkey, and the recovery codes at the first registration");
    b.add("passkeys", &LIST_PASSKEYS).json::<PasskeyList>("200", "The passkeys");
    b.add("passkeys", &REMOVE_PASSKEY).empty("204", "Removed");
    b.add("passkeys", &PASSKEY_LOGIN_OPTIONS).json::<RequestOptions>("200", "The options");
    b.add("passkeys", &CONFIRM_WITH_PASSKEY).request::<PasskeyAssertion>().json::<SessionView>("200", "The session");
    b.add("passkeys", &CONFIRM_WITH_RECOVERY_CODE)
        .request::<RecoveryCodeEntry>()
        .json::<SessionView>("200", "The session");
}

/// The audit trail (`super::audit`): the account's and, for CA administrators, any chain's.
fn audit_operations(b: &mut Builder) {
    const EXPORT: &[&str] = &[audit::EXPORT_MEDIA_TYPE];
    for (endpoint, with_account) in [(&audit::LIST_AUDIT, false), (&audit::ADMIN_LIST_AUDIT, true)] {
        let text =
            |description| (description, json!({ "type": "string", "maxLength": audit::AUDIT_FILTER_MAXIMUM_LENGTH }));
        let mut described = b.add("audit", endpoint);
        if with_account {
            let (description, schema) = text("The chain: an account's id, or ca; every chain when absent");
            described = described.query_schema("account", description, schema);
        }
        let (description, schema) = text("Who acted, exactly (user:..., api_key:..., link, keyward, outbox)");
        described = described.query_schema("actor", description, schema);
        let (description, schema) = text("The object's identifier, exactly (an order number, a serial, an id)");
        described = described.query_schema("object", description, schema);
        let (description, schema) = text("The action, exactly, or a family ending with a dot (api_key.)");
        described = described
            .query_schema("action", description, schema)
            .query_schema("from", "From this instant, Unix seconds, inclusive", json!({ "type": "integer" }))
            .query_schema("until", "Before this instant, Unix seconds, exclusive", json!({ "type": "integer" }))
            .query_schema(
                "page",
                "From 1",
                json!({ "type": "integer", "format": "uint32", "minimum": 1, "maximum": u32::MAX }),
            );
        described.json::<AuditList>("200", "A page of sealed records, newest first");
    }
    b.add("audit", &audit::EXPORT_AUDIT).response(
        "200",
        "An ExportHeader line, then every sealed record of the account's chain, one JSON object a line",
        Content::Binary(EXPORT),
    );
    b.add("audit", &audit::ADMIN_EXPORT_AUDIT)
        .query_schema(
            "account",
            "The chain: an account's id, or ca (required)",
            json!({ "type": "string", "maxLength": audit::AUDIT_FILTER_MAXIMUM_LENGTH }),
        )
        .response(
            "200",
            "An ExportHeader line, then every sealed record of the chain, one JSON object a line",
            Content::Binary(EXPORT),
        );
}

/// Signup and the CA administrators' accounts (`super::signup`, `super::admin_account`).
fn onboarding_operations(b: &mut Builder) {
    b.add("onboarding", &signup::SIGN_UP)
        .request::<SignupRequest>()
        .json::<MessageBody>("202", "Accepted, whatever the address")
        .json::<FieldErrorsBody>("422", "Every problem of the form, each naming its field")
        .json::<ErrorBody>("429", "Too many signups for this address or from this network (Retry-After)");
    b.add("onboarding", &signup::SHOW_SIGNUP)
        .json::<SignupLinkView>("200", "Open (with what the signup said), spent or expired");
    b.add("onboarding", &signup::COMPLETE_SIGNUP)
        .request::<CompleteSignup>()
        .empty("204", "The account and its administrator exist; log in with the same key");
    b.add("admin", &admin_account::LIST_ACCOUNTS)
        .query_schema(
            "query",
            "Part of an account's name, or a user's address",
            json!({ "type": "string", "maxLength": ACCOUNT_QUERY_MAXIMUM_LENGTH }),
        )
        .json::<AdminAccountList>("200", "The accounts found, newest first");
    b.add("admin", &admin_account::SHOW_ACCOUNT).json::<AdminAccountDetail>("200", "The account and its users");
    b.add("admin", &admin_account::CREATE_ACCOUNT)
        .request::<NewAccount>()
        .json::<AdminAccountDetail>("201", "The account; its administrator is invited")
        .json::<FieldErrorsBody>("422", "Every problem of the form, each naming its field");
    b.add("admin", &admin_account::CHANGE_ADMINISTRATOR)
        .request::<AdministratorChange>()
        .json::<AdminAccountDetail>("201", "The account with its new administrator");
    b.add("admin", &admin_account::DISABLE_ACCOUNT)
        .request::<AccountStatusChange>()
        .json::<AdminAccountDetail>("200", "The disabled account");
    b.add("admin", &admin_account::ENABLE_ACCOUNT)
        .request::<AccountStatusChange>()
        .json::<AdminAccountDetail>("200", "The enabled account");
}

/// Organizations, domains, mailboxes and validation links (`super::organization`, `super::domain`).
fn validation_operations(b: &mut Builder) {
    b.add("validation", &organization::CREATE_ORGANIZATION)
        .request::<NewOrganization>()
        .json::<OrganizationView>("201", "The organization, not yet validated")
        .json::<FieldErrorsBody>("422", "Every problem of the form, each naming its field");
    b.add("validation", &organization::LIST_ORGANIZATIONS)
        .json::<OrganizationList>("200", "The organizations, newest first");
    b.add("validation", &organization::SHOW_ORGANIZATION).json::<OrganizationView>("200", "The organization");
    b.add("validation", &organization::SEND_VERIFICATION_CODE)
        .json::<CodeSent>("200", "Where the code went and until when it works");
    b.add("validation", &organization::CHECK_VERIFICATION_CODE)
        .request::<CodeEntry>()
        .json::<OrganizationView>("200", "The organization, its contact's confirmation recorded");
    b.add("validation", &vetting::VETTING_WORK_LIST).json::<VettingWorkList>("200", "The organizations waiting");
    b.add("validation", &vetting::SHOW_VETTING).json::<VettingCase>("200", "The organization's vetting");
    b.add("validation", &vetting::DECIDE_VETTING)
        .request::<VettingForm>()
        .json::<VettingCase>("200", "The organization's vetting, the decision recorded")
        .json::<FieldErrorsBody>("422", "Every problem of the vetting record, each naming its field");
    b.add("validation", &vetting::ANSWER_VETTING)
        .request::<VettingAnswer>()
        .json::<OrganizationView>("200", "The organization, back in the work list")
        .json::<FieldErrorsBody>("422", "The answer's problem, naming its field");

    b.add("validation", &domain::CREATE_DOMAIN)
        .request::<NewDomain>()
        .json::<DomainView>("201", "The domain: where the link went, or the record to publish");
    b.add("validation", &domain::LIST_DOMAINS).json::<DomainList>("200", "The domains, by name");
    b.add("validation", &domain::SHOW_DOMAIN).json::<DomainView>("200", "The domain");
    b.add("validation", &domain::CHECK_DOMAIN).json::<DomainView>("200", "The validated domain");
    b.add("validation", &domain::RESEND_DOMAIN).json::<DomainView>("200", "The domain's new attempt");
    b.add("validation", &domain::CHANGE_DOMAIN_METHOD)
        .request::<MethodChange>()
        .json::<DomainView>("200", "The domain's new attempt");
    b.add("validation", &domain::CREATE_MAILBOX)
        .request::<NewMailbox>()
        .json::<MailboxView>("201", "The mailbox, pending");
    b.add("validation", &domain::LIST_MAILBOXES).json::<MailboxList>("200", "The mailboxes, by address");
    b.add("validation", &domain::SHOW_VALIDATION_LINK)
        .json::<ValidationLinkView>("200", "The link and where it stands");
    b.add("validation", &domain::PROBE_VALIDATION_LINK).empty("200", "The headers GET would send, no body");
    b.add("validation", &domain::CONFIRM_VALIDATION_LINK).json::<ValidationLinkView>("200", "The link, used");
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge/openapi.json");

    #[test]
    fn openapi_is_current() {
        let text = serde_json::to_string_pretty(&document()).expect("serializes") + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(PATH, &text).expect("writes edge/openapi.json");
        }
        let stored = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            stored == text,
            "edge/openapi.json is out of date: run UPDATE_OPENAPI=1 cargo test -p keyward-shared --features schema openapi"
        );
    }

    /// The document describes every endpoint of the registry once, and nothing else; each operation states its
    /// endpoint's access, and its security matches it.
    #[test]
    fn the_document_describes_every_endpoint_once() {
        let mut builder =
            Builder { generator: SchemaGenerator::new(SchemaSettings::draft2020_12()), operations: Vec::new() };
        operations(&mut builder);
        let mut described: Vec<&Endpoint> = builder.operations.iter().map(|operation| operation.endpoint).collect();
        let mut registered: Vec<&Endpoint> = super::super::ENDPOINTS.to_vec();
        let key = |endpoint: &&Endpoint| (endpoint.path, endpoint.method);
        described.sort_by_key(key);
        registered.sort_by_key(key);
        assert_eq!(described, registered, "described (left) and registered (right) endpoints");

        let document = document();
        let mut operations = 0;
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                let endpoint = registered
                    .iter()
                    .find(|endpoint| endpoint.path == path && endpoint.method.openapi_name() == method)
                    .unwrap_or_else(|| panic!("{method} {path} is in the document but not in ENDPOINTS"));
                assert_eq!(operation["x-keyward-access"], endpoint.access.as_str(), "{method} {path}");
                assert_eq!(operation["security"], security(endpoint.access), "{method} {path}");
                assert_eq!(operation["summary"], endpoint.summary, "{method} {path}");
                operations += 1;
            }
        }
        assert_eq!(operations, registered.len(), "one operation per endpoint");
    }

    /// Each access's security requirement: who needs no credential, who may use an API key.
    #[test]
    fn security_follows_access() {
        let check = |access: Access, expected: Value| assert_eq!(security(access), expected, "{access:?}");
        check(Access::Public, json!([]));
        check(Access::Development, json!([]));
        check(Access::HolderOrAccount, json!([{}, { "session": [] }, { "apiKey": [] }]));
        check(Access::Account, json!([{ "session": [] }, { "apiKey": [] }]));
        check(Access::SignedIn, json!([{ "session": [] }, { "apiKey": [] }]));
        check(Access::AccountAdmin, json!([{ "session": [] }]));
        check(Access::CaAdmin, json!([{ "session": [] }]));
        check(Access::Session, json!([{ "session": [] }]));
        assert_eq!(Access::ALL.len(), 8, "every access is checked above");
    }

    #[test]
    fn schemas_resolve() {
        let text = serde_json::to_string(&document()).expect("serializes");
        let document = document();
        let schemas = document["components"]["schemas"].as_object().expect("schemas");
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().expect("a name");
            assert!(schemas.contains_key(name), "{name} is referenced but not defined");
        }
    }
}
