//! CAA lookups before issuance: the I/O half of `shared::caa`. [`lookup`] drives one `shared::caa::Search` per
//! check through DNS-over-HTTPS (`doh::caa_records`), one query at a time, and returns what each found; the
//! issuance pipeline decides with `shared::caa::authorize` and [`identities`], Keyward's issuer domain names from
//! the Worker variable `KEYWARD_CAA_IDENTITIES`.
//!
//! Queries run one after another (each is a subrequest, and the Worker's subrequests are counted); a name asked
//! twice in one call (a mailbox domain that is also a DNS name's parent) is asked once. A search is at most
//! `shared::caa::MAXIMUM_CLIMB` queries.

use shared::caa::{CaaAnswer, CaaCheck, QueryResult, Search, Step, identities_from};
use worker::Env;

use crate::doh;

/// What each check found, in the order of `checks`: the relevant record set, none, or the lookup that failed.
pub async fn lookup(env: &Env, checks: &[CaaCheck]) -> Vec<CaaAnswer> {
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
                            let result = query(env, search.name()).await;
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
async fn query(env: &Env, name: &str) -> QueryResult {
    doh::caa_records(env, name).await.map_err(|error| {
        if let doh::DohError::Unreachable { detail } = &error {
            worker::console_warn!("CAA lookup of {name}: {detail}");
        }
        error.to_string()
    })
}

/// Keyward's issuer domain names, the ones a CAA `issue` or `issuemail` record must name to let it issue: the
/// comma-separated Worker variable `KEYWARD_CAA_IDENTITIES` (S/MIME BR 4.2.2.1: stated in the CP/CPS). Unset or
/// empty, none: only domains whose CAA records restrict nothing pass.
pub fn identities(env: &Env) -> Vec<String> {
    env.var("KEYWARD_CAA_IDENTITIES").map(|value| identities_from(&value.to_string())).unwrap_or_default()
}
