//! `Evport` exists in every build; off illumos and Solaris, creating one
//! says so instead of failing to compile (B6).

#[test]
fn b6_creating_an_evport_works_or_says_it_is_unsupported() {
    ae_testkit::created_or_unsupported::<ae_evport::Evport>(
        "evport",
        ae_evport::AVAILABLE,
        "illumos",
    );
}
