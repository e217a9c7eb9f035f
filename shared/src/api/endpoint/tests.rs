//! The endpoint declarations: URLs filled and encoded, the router's patterns, and the registry held against the
//! sources (every declaration listed once; the Worker's route table names each once).

use std::collections::BTreeSet;

use super::*;

const API: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
const ROUTES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge/src/lib.rs");

const ORDER_RESEND: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/orders/{id}/recipients/{position}/resend",
    access: Access::Account,
    summary: "test",
    body: Body::None,
};

fn check_url(endpoint: &Endpoint, values: &[&str], query: &[(&str, &str)], expected: &str) {
    assert_eq!(endpoint.url_with_query(values, query), expected, "{} with {values:?} {query:?}", endpoint.path);
    if query.is_empty() {
        assert_eq!(endpoint.url(values), expected);
    }
}

#[test]
fn urls_fill_the_parameters_in_order_and_encode_them() {
    check_url(&ORDER_RESEND, &["ord_1", "0"], &[], "/api/v1/orders/ord_1/recipients/0/resend");
    check_url(&order::LIST_ORDERS, &[], &[], "/api/v1/orders");
    check_url(&revocation::DOWNLOAD_CERTIFICATE, &["0a1b", "chain.pem"], &[], "/api/v1/certificates/0a1b/chain.pem");
    check_url(&domain::SHOW_DOMAIN, &["a.example"], &[], "/api/v1/domains/a.example");
    // A value cannot climb out of its segment, nor add a query.
    check_url(&order::SHOW_ORDER, &["../users"], &[], "/api/v1/orders/..%2Fusers");
    check_url(&order::SHOW_ORDER, &["a?b#c d"], &[], "/api/v1/orders/a%3Fb%23c%20d");
    check_url(&order::SHOW_ORDER, &["é"], &[], "/api/v1/orders/%C3%A9");
    check_url(&enrollment::SHOW_ENROLLMENT, &["AZaz09-_~."], &[], "/api/v1/enrollments/AZaz09-_~.");
    // A missing value leaves the parameter, which no route matches.
    check_url(&ORDER_RESEND, &["ord_1"], &[], "/api/v1/orders/ord_1/recipients/{position}/resend");
    check_url(&order::LIST_ORDERS, &[], &[("page", "2")], "/api/v1/orders?page=2");
    check_url(
        &order::LIST_ORDERS,
        &[],
        &[("page", "1"), ("query", "a&b=c d@x.example")],
        "/api/v1/orders?page=1&query=a%26b%3Dc%20d%40x.example",
    );
}

#[test]
fn route_patterns_use_the_routers_syntax() {
    assert_eq!(ORDER_RESEND.route_pattern(), "/api/v1/orders/:id/recipients/:position/resend");
    assert_eq!(OPENAPI_DOCUMENT.route_pattern(), "/api/v1/openapi.json");
    assert_eq!(ORDER_RESEND.parameters().collect::<Vec<_>>(), ["id", "position"]);
}

fn check_match(endpoint: &Endpoint, path: &str, expected: bool) {
    assert_eq!(endpoint.matches(path), expected, "{} against {path}", endpoint.path);
}

#[test]
fn a_path_matches_its_endpoint_segment_by_segment() {
    check_match(&ORDER_RESEND, "/api/v1/orders/ord_1/recipients/0/resend", true);
    check_match(&ORDER_RESEND, "/api/v1/orders/a%2Fb/recipients/x/resend", true);
    check_match(&ORDER_RESEND, "/api/v1/orders//recipients/0/resend", false);
    check_match(&ORDER_RESEND, "/api/v1/orders/ord_1/recipients/0/resend/", false);
    check_match(&ORDER_RESEND, "/api/v1/orders/ord_1/recipients/0", false);
    check_match(&ORDER_RESEND, "/api/v1/orders/ord_1/recipients/0/resend/more", false);
    check_match(&order::LIST_ORDERS, "/api/v1/orders", true);
    check_match(&order::LIST_ORDERS, "/api/v1/orders/", false);
    check_match(&order::LIST_ORDERS, "/api/v1/order", false);
    check_match(&order::SHOW_ORDER, "/api/v1/orders/ord_1", true);
    check_match(&order::SHOW_ORDER, "/api/v1/orders", false);
    check_match(&OPENAPI_DOCUMENT, "/api/v1/openapi.json", true);
    check_match(&OPENAPI_DOCUMENT, "/api/v1/openapi_json", false);
}

#[test]
fn every_endpoint_is_one_method_on_one_wellformed_path() {
    let mut seen = BTreeSet::new();
    for endpoint in ENDPOINTS {
        let path = endpoint.path;
        assert!(seen.insert((endpoint.method, path)), "{} {path} is declared twice", endpoint.method.as_str());
        assert!(path.starts_with("/api/v1/"), "{path}: every endpoint is under /api/v1/");
        for segment in path.split('/').skip(1) {
            let parameter = segment.starts_with('{') || segment.ends_with('}');
            assert!(!segment.is_empty(), "{path}: an empty segment");
            if parameter {
                let name = &segment[1..segment.len() - 1];
                assert!(
                    segment.starts_with('{') && segment.ends_with('}') && !name.is_empty(),
                    "{path}: a parameter is a whole segment"
                );
                assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{path}: parameter {name}");
            } else {
                let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.');
                assert!(segment.chars().all(allowed), "{path}: segment {segment}");
            }
        }
        assert!(!endpoint.summary.is_empty(), "{path} has no summary");
        // Development endpoints live under /api/v1/dev/, and only they do.
        assert_eq!(
            endpoint.access == Access::Development,
            path.starts_with("/api/v1/dev/"),
            "{path}: development access and the /dev/ prefix go together"
        );
        // CA administrators' endpoints live under /api/v1/admin/, and only they do.
        assert_eq!(endpoint.access == Access::CaAdmin, path.starts_with("/api/v1/admin/"), "{path}: admin");
    }
}

/// `module::NAME` of every `pub const NAME: Endpoint` declared in `src/api/*.rs` (the registry's own module,
/// `endpoint`, included), with how many times each is declared.
fn declared() -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(API).expect("reads src/api") {
        let path = entry.expect("a directory entry").path();
        if path.extension().and_then(|extension| extension.to_str()) != Some("rs") {
            continue;
        }
        let module = path.file_stem().and_then(|stem| stem.to_str()).expect("a file name").to_owned();
        let source = std::fs::read_to_string(&path).expect("reads a module");
        for line in source.lines() {
            if let Some(rest) = line.strip_prefix("pub const ")
                && let Some((name, kind)) = rest.split_once(':')
                && kind.trim_start().starts_with("Endpoint ")
            {
                names.push(format!("{module}::{}", name.trim()));
            }
        }
    }
    names.sort();
    names
}

/// The entries of a table in `source`: the lines after the one starting with `opening` up to the closing `];`,
/// each read by `entry` (`None`: not an entry).
fn table(source: &str, opening: &str, entry: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let start = source.lines().position(|line| line.trim_start().starts_with(opening)).expect("the table's opening");
    let mut names: Vec<String> = source
        .lines()
        .skip(start + 1)
        .take_while(|line| !line.trim_start().starts_with("];"))
        .filter_map(|line| entry(line.trim()))
        .collect();
    names.sort();
    names
}

/// Fails naming what `found` lacks and what it has beyond `expected`.
fn assert_same(found: &[String], expected: &[String], what: &str) {
    let missing: Vec<&String> = expected.iter().filter(|name| !found.contains(name)).collect();
    let extra: Vec<&String> = found.iter().filter(|name| !expected.contains(name)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{what}: missing {missing:?}, not declared {extra:?}");
    assert_eq!(found, expected, "{what}: the same names, a different count");
}

/// `&module::NAME,` or `&NAME,` (this module's) as `module::NAME`.
fn registry_entry(line: &str) -> Option<String> {
    let name = line.strip_prefix('&')?.strip_suffix(',')?;
    Some(if name.contains("::") { name.to_owned() } else { format!("endpoint::{name}") })
}

#[test]
fn the_registry_lists_every_declared_endpoint_once() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/endpoint.rs"))
        .expect("reads endpoint.rs");
    let registry = table(&source, "pub const ENDPOINTS", registry_entry);
    assert_eq!(registry.len(), ENDPOINTS.len(), "the registry's source is what the test reads");
    assert!(ENDPOINTS.len() > 40, "the parse found the registry");
    assert_same(&registry, &declared(), "the registry ENDPOINTS (shared/src/api/endpoint.rs)");
}

/// `api::module::NAME => handler,` in the Worker's route table, as `module::NAME`.
fn route_entry(line: &str) -> Option<String> {
    let (endpoint, _handler) = line.split_once("=>")?;
    Some(endpoint.trim().strip_prefix("api::")?.to_owned())
}

#[test]
fn the_workers_route_table_names_every_endpoint_once() {
    let source = std::fs::read_to_string(ROUTES).expect("reads edge/src/lib.rs");
    let mut routes = table(&source, "const ROUTES", route_entry);
    routes.extend(table(&source, "const DEVELOPMENT_ROUTES", route_entry));
    routes.sort();
    assert!(
        routes.iter().all(|route| route.starts_with("dev::")
            == table(&source, "const DEVELOPMENT_ROUTES", route_entry).contains(route)),
        "the development endpoints, and only they, are in DEVELOPMENT_ROUTES: {routes:?}"
    );
    let unique: BTreeSet<&String> = routes.iter().collect();
    assert_eq!(unique.len(), routes.len(), "an endpoint is routed twice: {routes:?}");
    assert_same(&routes, &declared(), "the Worker's route table (edge/src/lib.rs ROUTES)");
}

/// A read or a removal carries no body: only `POST` endpoints declare a JSON one, and every cap is a real bound
/// (at least the unread allowance, at most a megabyte).
#[test]
fn bodies_are_declared_where_they_are_sent() {
    for endpoint in ENDPOINTS {
        match endpoint.body {
            Body::None => {}
            Body::Json { max_bytes } => {
                assert_eq!(
                    endpoint.method,
                    Method::Post,
                    "{} {} declares a JSON body",
                    endpoint.method.as_str(),
                    endpoint.path
                );
                assert!(
                    (Body::UNREAD_MAX_BYTES..=1024 * 1024).contains(&max_bytes),
                    "{}'s cap {max_bytes} is not between 1 KiB and 1 MiB",
                    endpoint.path
                );
            }
        }
    }
    assert!(ENDPOINTS.iter().any(|endpoint| matches!(endpoint.body, Body::Json { .. })));
}
