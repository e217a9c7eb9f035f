//! CAA lookups before issuance: the I/O half of `shared::caa`. [`Caa::lookup`] drives one `shared::caa::Search`
//! per check through DNS-over-HTTPS (`doh::Resolver::caa_records`), one query at a time, and returns what each
//! found; the issuance pipeline decides with `shared::caa::authorize` and [`Caa::identities`], Keyward's issuer
//! domain names from the Worker variable `KEYWARD_CAA_IDENTITIES`.
//!
//! Queries run one after another (each is a subrequest, and the Worker's subrequests are counted); a name asked
//! twice in one call (a mailbox domain that is also a DNS name's parent) is asked once. A search is at most
//! `shared::caa::MAXIMUM_CLIMB` queries.

use shared::caa::{CaaAnswer, CaaCheck, QueryResult, Search, Step, identities_from};
use worker::Env;

use crate::doh;

/// The CAA configuration: the resolver to ask and the issuer domain names that stand for Keyward.
pub struct Caa {
    resolver: doh::Resolver,
    identities: Vec<String>,
}

impl Caa {
    /// From the Worker variables `KEYWARD_DOH_URL` and `KEYWARD_CAA_IDENTITIES` (the comma-separated issuer
    /// domain names a CAA `issue` or `issuemail` record must name to let Keyward issue; S/MIME BR 4.2.2.1: stated
    /// in the CP/CPS). Without identities only domains whose CAA records restrict nothing pass.
    pub fn from_env(env: &Env) -> Self {
        let identities =
            env.var("KEYWARD_CAA_IDENTITIES").map(|value| identities_from(&value.to_string())).unwrap_or_default();
        Self { resolver: doh::Resolver::from_env(env), identities }
    }

    /// Keyward's issuer domain names.
    pub fn identities(&self) -> &[String] {
        &self.identities
    }

    /// What each check found, in the order of `checks`: the relevant record set, none, or the lookup that failed.
    pub async fn lookup(&self, checks: &[CaaCheck]) -> Vec<CaaAnswer> {
        lookup(&self.resolver, checks).await
    }
}

async fn lookup(resolver: &doh::Resolver, checks: &[CaaCheck]) -> Vec<CaaAnswer> {
    let mut asked: Vec<(String, QueryResult)> = Vec::new();
    let mut answers = Vec::with_capacity(checks.len());
    for check in checks {
        let mut step = Search::start(check.clone());
        let answer = loop {
            match step {
                Step::Done(answer) => break answer,
                Step::Query(search) => {
                    let result = match asked.iter().find(|(name, _)| name == search.name()) {
                        Some((_, result)) => result.clone(),
                        None => {
                            let result = query(resolver, search.name()).await;
                            asked.push((search.name().to_owned(), result.clone()));
                            result
                        }
                    };
                    step = search.receive(result);
                }
            }
        };
        answers.push(answer);
    }
    answers
}

/// One query's result as a search takes it; a failure's detail goes to the log, its sentence to the answer.
async fn query(resolver: &doh::Resolver, name: &str) -> QueryResult {
    resolver.caa_records(name).await.map_err(|error| {
        if let doh::DohError::Unreachable { detail } = &error {
            worker::console_warn!("CAA lookup of {name}: {detail}");
        }
        error.to_string()
    })
}
