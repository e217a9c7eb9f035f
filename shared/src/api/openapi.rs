//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every endpoint, built from the same Rust types the
//! Worker and the web app exchange (their JSON Schemas come from `schemars`, behind the `schema` feature, so
//! neither WebAssembly artefact carries the generator).
//!
//! The Worker serves `edge/openapi.json`, which [`document`] wrote; the host test `openapi_is_current` fails when
//! the file and the types drift apart (run `UPDATE_OPENAPI=1 cargo test -p keyward-shared --features schema
//! openapi` to rewrite it), and another compares its paths with the Worker's route table. The end-to-end suites
//! check every API answer they receive against it (`tests/e2e/harness.mjs`).

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};

use super::account::{
    ApiKeyList, ChangePassword, CreateApiKey, CreatedApiKey, InviteUser, LoginRequest, ResetLinkView, ResetPassword,
    ResetRequest, SessionList, SessionView, UserList, UserView,
};
use super::dev::{CreateAccount, CreatedAccount, Mailbox, SeedRequest, SeedResponse};
use super::domain::{
    DomainList, DomainView, MailboxList, MailboxView, MethodChange, NewDomain, NewMailbox, ValidationLinkView,
};
use super::enrollment::{EnrollmentView, IssuedCertificate, SubmitCsr};
use super::order::{FieldErrorsBody, Ledger, OrderList, OrderRequest, OrderView};
use super::organization::{CodeEntry, CodeSent, NewOrganization, OrganizationList, OrganizationView};
use super::policy::Policy;
use super::revocation::{CertificateStatus, RevocationChallenge, RevokeRequest};
use super::{ErrorBody, MessageBody};
use crate::validation::CallRecord;

/// How a caller proves who they are for an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the path or body carries what authorizes (a link token, a serial, a proof).
    Public,
    /// A logged-in user (session cookie) or an API key.
    Account,
    /// Either: a proof in the body, or a logged-in user or an API key.
    ProofOrAccount,
    /// The development build only (`KEYWARD_ENV=development`); 404 otherwise.
    Development,
}

/// What a request or response carries.
enum Content {
    None,
    Json(Schema),
    Binary(&'static [&'static str]),
}

/// One operation of the API.
struct Operation {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    access: Access,
    request: Content,
    responses: Vec<(&'static str, &'static str, Content)>,
    query: Vec<(&'static str, &'static str)>,
}

struct Builder {
    generator: SchemaGenerator,
    operations: Vec<Operation>,
}

impl Builder {
    fn schema<T: JsonSchema>(&mut self) -> Content {
        Content::Json(self.generator.subschema_for::<T>())
    }

    fn add(
        &mut self,
        method: &'static str,
        path: &'static str,
        tag: &'static str,
        summary: &'static str,
    ) -> &mut Operation {
        self.operations.push(Operation {
            method,
            path,
            tag,
            summary,
            access: Access::Public,
            request: Content::None,
            responses: Vec::new(),
            query: Vec::new(),
        });
        self.operations.last_mut().expect("just pushed")
    }
}

impl Operation {
    fn access(&mut self, access: Access) -> &mut Self {
        self.access = access;
        self
    }

    fn request(&mut self, content: Content) -> &mut Self {
        self.request = content;
        self
    }

    fn query(&mut self, name: &'static str, description: &'static str) -> &mut Self {
        self.query.push((name, description));
        self
    }

    fn response(&mut self, status: &'static str, description: &'static str, content: Content) -> &mut Self {
        self.responses.push((status, description, content));
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
        let mut entry = json!({
            "tags": [operation.tag],
            "summary": operation.summary,
            "operationId": format!("{}_{}", operation.method, operation.path.trim_start_matches('/').replace(['/', '{', '}', '-', '.'], "_")),
            "responses": responses,
        });
        let parameters: Vec<Value> = operation
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .chain(operation.query.iter().map(|(name, description)| {
                json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "string" } })
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
        match operation.access {
            Access::Public => entry["security"] = json!([]),
            Access::Account => entry["security"] = json!([{ "session": [] }, { "apiKey": [] }]),
            Access::ProofOrAccount => entry["security"] = json!([{}, { "session": [] }, { "apiKey": [] }]),
            Access::Development => {
                entry["security"] = json!([]);
                entry["description"] = json!("Development builds only (KEYWARD_ENV=development); 404 otherwise.");
            }
        }
        let item = paths.entry(operation.path).or_insert_with(|| json!({}));
        item[operation.method] = entry;
    }
    let schemas = builder.generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keyward API",
            "version": "1",
            "description": "Client certificates whose private keys never leave the browser. Every rejection is \
                            `{\"error\": {\"code\", \"field\", \"message\"}}`. State-changing requests with the session \
                            cookie must come from Keyward's own pages (Origin / Sec-Fetch-Site); scripts use an API key.",
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
    }
}

fn response(description: &str, content: &Content) -> Value {
    match content {
        Content::None => json!({ "description": description }),
        content => json!({ "description": description, "content": media(content) }),
    }
}

/// Every operation. Keep in the order of the Worker's route table (`edge/src/lib.rs`).
fn operations(b: &mut Builder) {
    use Access::{Account, Development, ProofOrAccount};
    const CERTIFICATE_TYPES: &[&str] = &[
        "application/x-pem-file",
        "application/pkix-cert",
        "application/pkcs7-mime",
        "application/pem-certificate-chain",
    ];

    let (view, request, issued) =
        (b.schema::<EnrollmentView>(), b.schema::<SubmitCsr>(), b.schema::<IssuedCertificate>());
    b.add("get", "/api/v1/enrollments/{token}", "enrollment", "Shows an enrollment link; never spends it").response(
        "200",
        "The link and what it will certify",
        view,
    );
    b.add("post", "/api/v1/enrollments/{token}", "enrollment", "Submits the CSR made in the browser; spends the link")
        .request(request)
        .response("201", "The certificate and its chain", issued);

    let policy = b.schema::<Policy>();
    b.add("get", "/api/v1/policy", "ca", "The certificate profiles, key types and validity caps").response(
        "200",
        "The policy",
        policy,
    );

    let (status, challenge, revoke) =
        (b.schema::<CertificateStatus>(), b.schema::<RevocationChallenge>(), b.schema::<RevokeRequest>());
    b.add("get", "/api/v1/certificates/{serial}/status", "certificates", "A certificate's revocation status").response(
        "200",
        "Valid or revoked",
        status,
    );
    let status = b.schema::<CertificateStatus>();
    b.add(
        "post",
        "/api/v1/certificates/{serial}/revocation-challenge",
        "certificates",
        "A challenge for the holder to sign",
    )
    .response("201", "The challenge", challenge);
    b.add(
        "post",
        "/api/v1/certificates/{serial}/revocation",
        "certificates",
        "Revokes: the holder with a proof of possession; a member of the ordering account or a CA administrator \
         signed in",
    )
    .access(ProofOrAccount)
    .request(revoke)
    .response("200", "The certificate is revoked", status);
    b.add("get", "/api/v1/certificates/{serial}/{format}", "certificates", "Downloads: pem, der, chain.pem or p7b")
        .response("200", "The certificate, as an attachment", Content::Binary(CERTIFICATE_TYPES));

    let (login, session) = (b.schema::<LoginRequest>(), b.schema::<SessionView>());
    b.add("post", "/api/v1/session", "account", "Logs in; sets the session cookie").request(login).response(
        "200",
        "The session",
        session,
    );
    let session = b.schema::<SessionView>();
    b.add("get", "/api/v1/session", "account", "Who is logged in").access(Account).response(
        "200",
        "The session",
        session,
    );
    b.add("delete", "/api/v1/session", "account", "Logs out").access(Account).response(
        "204",
        "Logged out",
        Content::None,
    );
    let sessions = b.schema::<SessionList>();
    b.add("get", "/api/v1/sessions", "account", "The caller's open sessions, the most recently used first")
        .access(Account)
        .response("200", "The sessions (never their tokens)", sessions);
    b.add("delete", "/api/v1/sessions/{id}", "account", "Ends one of the caller's sessions").access(Account).response(
        "204",
        "Ended",
        Content::None,
    );
    let change = b.schema::<ChangePassword>();
    b.add("post", "/api/v1/account/password", "account", "Changes the password; other sessions end")
        .access(Account)
        .request(change)
        .response("204", "Changed", Content::None);
    let (reset_request, message) = (b.schema::<ResetRequest>(), b.schema::<MessageBody>());
    b.add("post", "/api/v1/password-resets", "account", "Emails a reset link if the address has an account")
        .request(reset_request)
        .response("202", "Accepted, whatever the address", message);
    let link = b.schema::<ResetLinkView>();
    b.add("get", "/api/v1/password-resets/{token}", "account", "A reset link's status; never spends it").response(
        "200",
        "Open (with the account's address), spent or expired",
        link,
    );
    let reset = b.schema::<ResetPassword>();
    b.add("post", "/api/v1/password-resets/{token}", "account", "Sets the new password; spends the link")
        .request(reset)
        .response("204", "Changed; every session ended", Content::None);
    let users = b.schema::<UserList>();
    b.add("get", "/api/v1/users", "account", "The account's users (organization admins)").access(Account).response(
        "200",
        "The users",
        users,
    );
    let (invite, user) = (b.schema::<InviteUser>(), b.schema::<UserView>());
    b.add("post", "/api/v1/users", "account", "Invites a user with an emailed temporary password")
        .access(Account)
        .request(invite)
        .response("201", "The invited user", user);
    let user = b.schema::<UserView>();
    b.add(
        "post",
        "/api/v1/users/{id}/disable",
        "account",
        "Disables a user of the account: no more logins; their sessions and the API keys they made end",
    )
    .access(Account)
    .response("200", "The disabled user", user);
    let user = b.schema::<UserView>();
    b.add("post", "/api/v1/users/{id}/enable", "account", "Lets a disabled user log in again")
        .access(Account)
        .response("200", "The user", user);
    let keys = b.schema::<ApiKeyList>();
    b.add("get", "/api/v1/api-keys", "account", "The account's API keys (never the keys)")
        .access(Account)
        .response("200", "The keys", keys);
    let (create, created) = (b.schema::<CreateApiKey>(), b.schema::<CreatedApiKey>());
    b.add("post", "/api/v1/api-keys", "account", "Creates an API key, shown once")
        .access(Account)
        .request(create)
        .response("201", "The key", created);
    b.add("delete", "/api/v1/api-keys/{id}", "account", "Revokes an API key").access(Account).response(
        "204",
        "Revoked",
        Content::None,
    );

    let (order_request, order, errors) =
        (b.schema::<OrderRequest>(), b.schema::<OrderView>(), b.schema::<FieldErrorsBody>());
    b.add("post", "/api/v1/orders", "orders", "Places an order; the same idempotency key again returns it")
        .access(Account)
        .request(order_request)
        .response("201", "The order placed, with its pipeline", order)
        .response("422", "Every problem of the form, each naming its field", errors);
    let order = b.schema::<OrderView>();
    b.operations
        .last_mut()
        .expect("just added")
        .responses
        .insert(0, ("200", "The order this idempotency key placed before", order));
    let list = b.schema::<OrderList>();
    b.add("get", "/api/v1/orders", "orders", "The account's orders, newest first, 20 a page")
        .access(Account)
        .query("query", "An order number (prefix), a recipient's address, or a domain")
        .query("status", "awaiting_validation, awaiting_enrollment, completed or cancelled")
        .query("page", "From 1")
        .response("200", "A page of orders", list);
    let ledger = b.schema::<Ledger>();
    b.add("get", "/api/v1/ledger", "orders", "The account's balance and its latest 50 ledger entries")
        .access(Account)
        .response("200", "The balance and entries", ledger);
    let order = b.schema::<OrderView>();
    b.add("get", "/api/v1/orders/{id}", "orders", "An order and its pipeline").access(Account).response(
        "200",
        "The order",
        order,
    );
    let order = b.schema::<OrderView>();
    b.add("post", "/api/v1/orders/{id}/cancel", "orders", "Cancels an order not yet completed")
        .access(Account)
        .response("200", "The cancelled order", order);
    b.add(
        "post",
        "/api/v1/orders/{id}/recipients/{position}/resend",
        "orders",
        "A fresh enrollment link for a recipient",
    )
    .access(Account)
    .response("204", "Sent; the previous link no longer works", Content::None);

    validation_operations(b);

    let mailbox = b.schema::<Mailbox>();
    b.add("get", "/api/v1/dev/mailbox", "development", "The outbox, newest first").access(Development).response(
        "200",
        "The messages",
        mailbox,
    );
    let (account, created_account) = (b.schema::<CreateAccount>(), b.schema::<CreatedAccount>());
    b.add("post", "/api/v1/dev/accounts", "development", "Creates an account and users with chosen passwords")
        .access(Development)
        .request(account)
        .response("201", "Created", created_account);
    let (seed, seeded) = (b.schema::<SeedRequest>(), b.schema::<SeedResponse>());
    b.add("post", "/api/v1/dev/seed", "development", "Creates a demo order and emails its enrollment link")
        .access(Development)
        .request(seed)
        .response("201", "The order and its link", seeded);
    b.add("get", "/api/v1/openapi.json", "meta", "This document").response(
        "200",
        "OpenAPI 3.1",
        Content::Json(Schema::default()),
    );
}

/// Organizations, domains, mailboxes and validation links (`super::organization`, `super::domain`).
fn validation_operations(b: &mut Builder) {
    use Access::Account;
    let (new, organization, errors) =
        (b.schema::<NewOrganization>(), b.schema::<OrganizationView>(), b.schema::<FieldErrorsBody>());
    b.add("post", "/api/v1/organizations", "validation", "Creates an organization (organization admins)")
        .access(Account)
        .request(new)
        .response("201", "The organization, not yet validated", organization)
        .response("422", "Every problem of the form, each naming its field", errors);
    let list = b.schema::<OrganizationList>();
    b.add("get", "/api/v1/organizations", "validation", "The account's organizations with their validation")
        .access(Account)
        .response("200", "The organizations, newest first", list);
    let organization = b.schema::<OrganizationView>();
    b.add("get", "/api/v1/organizations/{id}", "validation", "An organization and its validation")
        .access(Account)
        .response("200", "The organization", organization);
    let sent = b.schema::<CodeSent>();
    b.add(
        "post",
        "/api/v1/organizations/{id}/verification-code",
        "validation",
        "Emails a fresh 8-digit code to the first contact; the previous one stops working",
    )
    .access(Account)
    .response("200", "Where the code went and until when it works", sent);
    let (entry, organization) = (b.schema::<CodeEntry>(), b.schema::<OrganizationView>());
    b.add(
        "post",
        "/api/v1/organizations/{id}/verification-code/check",
        "validation",
        "Checks the code; right, the organization is validated for 825 days",
    )
    .access(Account)
    .request(entry)
    .response("200", "The validated organization", organization);
    let (call, organization, errors) =
        (b.schema::<CallRecord>(), b.schema::<OrganizationView>(), b.schema::<FieldErrorsBody>());
    b.add(
        "post",
        "/api/v1/admin/organizations/{id}/validation",
        "validation",
        "A CA administrator records the verification call (any account)",
    )
    .access(Account)
    .request(call)
    .response("200", "The validated organization", organization)
    .response("422", "Every problem of the call record, each naming its field", errors);

    let (new, domain) = (b.schema::<NewDomain>(), b.schema::<DomainView>());
    b.add("post", "/api/v1/domains", "validation", "Starts a domain validation: constructed email or DNS TXT")
        .access(Account)
        .request(new)
        .response("201", "The domain: where the link went, or the record to publish", domain);
    let list = b.schema::<DomainList>();
    b.add("get", "/api/v1/domains", "validation", "The account's domains").access(Account).response(
        "200",
        "The domains, by name",
        list,
    );
    for (method, path, summary, status, description) in [
        ("get", "/api/v1/domains/{id}", "A domain (its id is its name)", "200", "The domain"),
        (
            "post",
            "/api/v1/domains/{id}/check",
            "Looks the DNS TXT record up now; found, the domain is validated for 398 days",
            "200",
            "The validated domain",
        ),
        (
            "post",
            "/api/v1/domains/{id}/resend",
            "A fresh link or TXT value; the previous one stops working",
            "200",
            "The domain's new attempt",
        ),
    ] {
        let domain = b.schema::<DomainView>();
        b.add(method, path, "validation", summary).access(Account).response(status, description, domain);
    }
    let (change, domain) = (b.schema::<MethodChange>(), b.schema::<DomainView>());
    b.add("post", "/api/v1/domains/{id}/method", "validation", "Changes the method, with a fresh random value")
        .access(Account)
        .request(change)
        .response("200", "The domain's new attempt", domain);
    let (new, mailbox) = (b.schema::<NewMailbox>(), b.schema::<MailboxView>());
    b.add("post", "/api/v1/mailboxes", "validation", "Emails a 24-hour link to an address at a public mail provider")
        .access(Account)
        .request(new)
        .response("201", "The mailbox, pending", mailbox);
    let list = b.schema::<MailboxList>();
    b.add("get", "/api/v1/mailboxes", "validation", "The account's mailboxes").access(Account).response(
        "200",
        "The mailboxes, by address",
        list,
    );
    let link = b.schema::<ValidationLinkView>();
    b.add(
        "get",
        "/api/v1/validations/{token}",
        "validation",
        "What an emailed validation link is for; never spends it",
    )
    .response("200", "The link and where it stands", link);
    let link = b.schema::<ValidationLinkView>();
    b.add("post", "/api/v1/validations/{token}", "validation", "Confirms the emailed link; spends it").response(
        "200",
        "The link, used",
        link,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge/openapi.json");
    const ROUTES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge/src/lib.rs");

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

    /// Every `/api/*` route of the Worker is described, and nothing else is.
    #[test]
    fn every_route_of_the_worker_is_described() {
        let source = std::fs::read_to_string(ROUTES).expect("reads edge/src/lib.rs");
        let mut routes: Vec<(String, String)> = source
            .lines()
            .filter_map(|line| {
                let line = line.trim().strip_prefix('.')?;
                let (method, rest) = line.split_once("(\"")?;
                let method = method.trim_end_matches("_async");
                let path = rest.split('"').next()?;
                (path.starts_with("/api/v1/") && ["get", "post", "put", "delete", "patch"].contains(&method))
                    .then(|| (method.to_owned(), path.to_owned()))
            })
            .map(|(method, path)| {
                let path = path
                    .split('/')
                    .map(|segment| segment.strip_prefix(':').map_or(segment.to_owned(), |name| format!("{{{name}}}")))
                    .collect::<Vec<_>>()
                    .join("/");
                (method, path)
            })
            .collect();
        routes.sort();
        let document = document();
        let mut described: Vec<(String, String)> = document["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().expect("item").keys().map(|method| (method.clone(), path.clone()))
            })
            .collect();
        described.sort();
        assert_eq!(routes, described);
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
