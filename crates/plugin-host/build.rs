//! Builds the official plugins (`plugins/hubspot`, `plugins/gong`) into wasm components and
//! writes `bundled.rs`, which embeds them in the host and so in the `sfiu` binary.
//!
//! When the wasm target is missing the host still builds, without bundled plugins, and says
//! why in a build warning; the plugin host's tests fail in that case rather than pass empty.

#[path = "build/guests.rs"]
mod guests;

use std::env;
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

const OFFICIAL: &[guests::Guest<'static>] = &[
    guests::Guest {
        package: "sfiu-plugin-hubspot",
        directory: "plugins/hubspot",
    },
    guests::Guest {
        package: "sfiu-plugin-gong",
        directory: "plugins/gong",
    },
];

fn main() -> Result<(), Box<dyn Error>> {
    let root = guests::workspace_root(2);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("cargo did not set `OUT_DIR`")?);
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/guests.rs");
    guests::watch(&root, OFFICIAL);

    let mut source = String::from("&[\n");
    let mut missing = String::from("None");
    match guests::build(&root, OFFICIAL, "wasm32-unknown-unknown")? {
        Ok(modules) => {
            for (guest, module) in OFFICIAL.iter().zip(modules) {
                let bytes = fs_err::read(&module)?;
                let component = guests::encode_component(&bytes)
                    .map_err(|error| format!("encoding `{}`: {error}", module.display()))?;
                let name = guest.directory.trim_start_matches("plugins/");
                let path = out_dir.join(format!("{name}.component.wasm"));
                fs_err::write(&path, component)?;
                writeln!(
                    source,
                    "    ({name:?}, include_bytes!({:?})),",
                    path.display().to_string()
                )?;
            }
        }
        Err(guests::Unavailable(reason)) => {
            println!("cargo:warning=sfiu is built without its bundled plugins: {reason}");
            missing = format!("Some({reason:?})");
        }
    }
    source.push(']');

    fs_err::write(
        out_dir.join("bundled.rs"),
        format!(
            "/// The official plugins as wasm components, by directory name.\n\
             pub(crate) const BUNDLED: &[(&str, &[u8])] = {source};\n\
             /// Why the bundled plugins are missing, when they are.\n\
             pub(crate) const BUNDLED_MISSING: Option<&str> = {missing};\n"
        ),
    )?;
    Ok(())
}
