//! A test-only plugin built against `sfiu:integration@0.2.0`, a version no host supports
//! yet, so tests can check the refusal message.

mod bindings {
    wit_bindgen::generate!({ path: "wit", world: "integration" });
}

use bindings::exports::sfiu::integration::plugin::Guest;

struct FutureWit;

impl Guest for FutureWit {
    fn manifest() -> String {
        "future".into()
    }
}

/// The `extern "C"` entry points the component model calls.
#[expect(
    unsafe_code,
    reason = "wit-bindgen's export glue declares the raw entry points of the component"
)]
mod entry {
    use super::FutureWit;

    crate::bindings::export!(FutureWit with_types_in crate::bindings);
}
