//! Components assembled from WebAssembly text plus the WIT, with wit-component doing the
//! canonical-ABI wrapping exactly as it does for the Rust guests.
//!
//! Every component exports the 0.1.0 `plugin` interface (or the future one); the core module
//! lays its answers out by hand in static memory, so the shapes are exact and small.

use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::Resolve;

use crate::{Error, Result};

const WIT_0_1_0: &str = include_str!("../../../../wit/0.1.0/integration.wit");

/// Where the manifest record lives in the core module's memory.
const MANIFEST_AT: u32 = 1024;
/// Where the `presets` list header lives.
const PRESETS_AT: u32 = 1088;
/// Where the single preset record lives.
const PRESET_AT: u32 = 1104;
/// Return area of `requirements`.
const RETURN_AT: u32 = 1152;
/// Where string bytes start.
const STRINGS_AT: u32 = 2048;
/// Start of the zero-filled region a huge string points into.
const HUGE_AT: u32 = 65_536;
/// Length of the huge manifest id.
const HUGE_LEN: u32 = 150_000;

/// What a hand-made plugin does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers `manifest` and `presets` (one preset, `only`), and answers every
    /// `requirements` call with `unknown-preset(<the id asked for>)`.
    WellBehaved,
    /// `requirements` never returns.
    InfiniteLoop,
    /// `requirements` grows memory until something stops it.
    MemoryBomb,
    /// `requirements` recurses without end.
    DeepRecursion,
    /// `manifest` returns an id of 150,000 bytes.
    HugeManifestId,
    /// Well behaved, but also imports `wasi:filesystem/types@0.2.0`.
    ImportsFilesystem,
    /// Exports `sfiu:integration/plugin@0.2.0` instead of 0.1.0.
    FutureInterface,
}

impl Behaviour {
    fn name(self) -> &'static str {
        match self {
            Self::WellBehaved => "well-behaved",
            Self::InfiniteLoop => "infinite-loop",
            Self::MemoryBomb => "memory-bomb",
            Self::DeepRecursion => "deep-recursion",
            Self::HugeManifestId => "huge-manifest-id",
            Self::ImportsFilesystem => "imports-filesystem",
            Self::FutureInterface => "future-interface",
        }
    }
}

/// Assembles the component for `behaviour`.
///
/// # Errors
/// [`Error::Assemble`] if the text, the WIT or the wrapping is rejected (a bug in this crate).
pub fn handmade(behaviour: Behaviour) -> Result<Vec<u8>> {
    assemble(behaviour).map_err(|message| Error::Assemble {
        behaviour: behaviour.name(),
        message,
    })
}

fn assemble(behaviour: Behaviour) -> Result<Vec<u8>, String> {
    let mut resolve = Resolve::default();
    let integration = resolve
        .push_str("integration.wit", WIT_0_1_0)
        .map_err(|error| format!("{error:#}"))?;
    let (world, text) = match behaviour {
        Behaviour::FutureInterface => {
            let future = resolve
                .push_str(
                    "future.wit",
                    "package sfiu:integration@0.2.0;\n\
                     interface plugin { manifest: func() -> u32; }\n\
                     world integration { export plugin; }\n",
                )
                .map_err(|error| format!("{error:#}"))?;
            let world = resolve
                .select_world(&[future], Some("integration"))
                .map_err(|error| format!("{error:#}"))?;
            let text = "(module\n\
                 (memory (export \"memory\") 1)\n\
                 (func (export \"sfiu:integration/plugin@0.2.0#manifest\") (result i32)\n\
                   i32.const 7))\n"
                .to_string();
            (world, text)
        }
        Behaviour::ImportsFilesystem => {
            let sneaky = resolve
                .push_str(
                    "sneaky.wit",
                    "package test:sneaky;\n\
                     world sneaky {\n\
                       import wasi:filesystem/types@0.2.0;\n\
                       export sfiu:integration/plugin@0.1.0;\n\
                     }\n\
                     package wasi:filesystem@0.2.0 {\n\
                       interface types { open: func(path: string) -> u32; }\n\
                     }\n",
                )
                .map_err(|error| format!("{error:#}"))?;
            let world = resolve
                .select_world(&[sneaky], Some("sneaky"))
                .map_err(|error| format!("{error:#}"))?;
            (world, core_module(behaviour))
        }
        _ => {
            let world = resolve
                .select_world(&[integration], Some("integration"))
                .map_err(|error| format!("{error:#}"))?;
            (world, core_module(behaviour))
        }
    };

    let mut module = wat::parse_str(&text).map_err(|error| format!("{error:#}"))?;
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8, false)
        .map_err(|error| format!("{error:#}"))?;
    ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|error| format!("{error:#}"))
}

/// The core module for the 0.1.0 interface, with `requirements` doing `behaviour`.
fn core_module(behaviour: Behaviour) -> String {
    let mut strings = Strings::default();
    let id = if behaviour == Behaviour::HugeManifestId {
        (HUGE_AT, HUGE_LEN)
    } else {
        strings.push("handmade")
    };
    let name = strings.push("Hand-made test plugin");
    let vendor = strings.push("sfiu tests");
    let version = strings.push("0.0.1");
    let preset_id = strings.push("only");
    let preset_label = strings.push("Only preset");
    let preset_description = strings.push("The one preset of the hand-made plugin.");

    // plugin-manifest: four strings, option<string> (absent), empty list<feature>.
    let mut manifest = Vec::new();
    for (pointer, length) in [id, name, vendor, version] {
        manifest.extend(pointer.to_le_bytes());
        manifest.extend(length.to_le_bytes());
    }
    manifest.extend([0_u8; 12]);
    manifest.extend([0_u8; 8]);
    // list<preset> header pointing at one preset record.
    let mut presets = Vec::new();
    presets.extend(PRESET_AT.to_le_bytes());
    presets.extend(1_u32.to_le_bytes());
    let mut preset = Vec::new();
    for (pointer, length) in [preset_id, preset_label, preset_description] {
        preset.extend(pointer.to_le_bytes());
        preset.extend(length.to_le_bytes());
    }
    preset.extend([1_u8, 0, 0, 0]);

    let import = if behaviour == Behaviour::ImportsFilesystem {
        "(import \"wasi:filesystem/types@0.2.0\" \"open\" (func (param i32 i32) (result i32)))"
    } else {
        ""
    };
    let body = match behaviour {
        Behaviour::InfiniteLoop => "(loop $spin (br $spin)) unreachable".to_string(),
        Behaviour::MemoryBomb => {
            "(loop $grow (drop (memory.grow (i32.const 16))) (br $grow)) unreachable".to_string()
        }
        Behaviour::DeepRecursion => "(call $recurse (i32.const 0))".to_string(),
        _ => format!(
            "(i32.store8 (i32.const {r}) (i32.const 1))\n\
             (i32.store8 (i32.const {r4}) (i32.const 0))\n\
             (i32.store (i32.const {r8}) (local.get 0))\n\
             (i32.store (i32.const {r12}) (local.get 1))\n\
             (i32.const {r})",
            r = RETURN_AT,
            r4 = RETURN_AT + 4,
            r8 = RETURN_AT + 8,
            r12 = RETURN_AT + 12,
        ),
    };
    let heap_start = HUGE_AT + HUGE_LEN.next_multiple_of(65_536);
    let pages = heap_start / 65_536 + 1;

    format!(
        "(module\n\
           {import}\n\
           (memory (export \"memory\") {pages})\n\
           (global $heap (mut i32) (i32.const {heap_start}))\n\
           (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32)\n\
             (local $at i32)\n\
             (local.set $at (i32.and\n\
               (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))\n\
               (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))\n\
             (global.set $heap (i32.add (local.get $at) (local.get 3)))\n\
             (block $fits\n\
               (br_if $fits (i32.le_u (global.get $heap)\n\
                 (i32.shl (memory.size) (i32.const 16))))\n\
               (br_if $fits (i32.ne (i32.const -1) (memory.grow (i32.const 16))))\n\
               unreachable)\n\
             (local.get $at))\n\
           (func $recurse (param i32) (result i32)\n\
             (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))\n\
           (func (export \"sfiu:integration/plugin@0.1.0#manifest\") (result i32)\n\
             (i32.const {MANIFEST_AT}))\n\
           (func (export \"sfiu:integration/plugin@0.1.0#presets\") (result i32)\n\
             (i32.const {PRESETS_AT}))\n\
           (func (export \"sfiu:integration/plugin@0.1.0#requirements\")\n\
             (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)\n\
             {body})\n\
           (data (i32.const {MANIFEST_AT}) \"{manifest}\")\n\
           (data (i32.const {PRESETS_AT}) \"{presets}\")\n\
           (data (i32.const {PRESET_AT}) \"{preset}\")\n\
           (data (i32.const {STRINGS_AT}) \"{strings}\"))\n",
        manifest = escape(&manifest),
        presets = escape(&presets),
        preset = escape(&preset),
        strings = escape(&strings.bytes),
    )
}

/// String bytes laid out from [`STRINGS_AT`].
#[derive(Default)]
struct Strings {
    bytes: Vec<u8>,
}

impl Strings {
    fn push(&mut self, text: &str) -> (u32, u32) {
        let offset = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes.extend(text.as_bytes());
        (
            STRINGS_AT + offset,
            u32::try_from(text.len()).unwrap_or(u32::MAX),
        )
    }
}

fn escape(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("\\{byte:02x}")).collect()
}
