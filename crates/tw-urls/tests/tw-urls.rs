//! Integration tests of tw-urls on the fixture repository `fixtures/urls/repo`.
#[path = "tw-urls"]
mod tw_urls_tests {
    pub mod common;
    mod declaration;
    mod fixture;
    mod formats;
    mod precision;
}
