//! Builds the test plugins in `plugins/testing/` and writes `guests.rs`, which embeds them.
//!
//! The misbehaving guest is built twice: as a zero-import component (`wasm32-unknown-unknown`
//! wrapped by wit-component) and as a plain `wasm32-wasip2` component, which imports WASI
//! because Rust's standard library does, so tests can check that the host refuses it.

#[path = "../../../crates/plugin-host/build/guests.rs"]
mod guests;

use std::env;
use std::error::Error;
use std::path::PathBuf;

const CORE: &[guests::Guest<'static>] = &[
    guests::Guest {
        package: "sfiu-plugin-misbehaving",
        directory: "plugins/testing/misbehaving",
    },
    guests::Guest {
        package: "sfiu-plugin-future-wit",
        directory: "plugins/testing/future-wit",
    },
];
const WASI: &[guests::Guest<'static>] = &[guests::Guest {
    package: "sfiu-plugin-misbehaving",
    directory: "plugins/testing/misbehaving",
}];

fn main() -> Result<(), Box<dyn Error>> {
    let root = guests::workspace_root(3);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("cargo did not set `OUT_DIR`")?);
    println!("cargo:rerun-if-changed=build.rs");
    println!(
        "cargo:rerun-if-changed={}",
        root.join("crates/plugin-host/build/guests.rs").display()
    );
    guests::watch(&root, CORE);

    let mut constants = Vec::new();
    let mut missing = Vec::new();
    match guests::build(&root, CORE, "wasm32-unknown-unknown")? {
        Ok(modules) => {
            for (name, module) in ["MISBEHAVING", "FUTURE_WIT"].into_iter().zip(modules) {
                let component = guests::encode_component(&fs_err::read(&module)?)
                    .map_err(|error| format!("encoding `{}`: {error}", module.display()))?;
                let path = out_dir.join(format!("{}.component.wasm", name.to_lowercase()));
                fs_err::write(&path, component)?;
                constants.push((name, Some(path)));
            }
        }
        Err(guests::Unavailable(reason)) => {
            missing.push(reason);
            constants.extend([("MISBEHAVING", None), ("FUTURE_WIT", None)]);
        }
    }
    match guests::build(&root, WASI, "wasm32-wasip2")? {
        Ok(components) => {
            constants.extend(
                components
                    .into_iter()
                    .map(|path| ("MISBEHAVING_WASIP2", Some(path))),
            );
        }
        Err(guests::Unavailable(reason)) => {
            missing.push(reason);
            constants.push(("MISBEHAVING_WASIP2", None));
        }
    }
    if !missing.is_empty() {
        println!(
            "cargo:warning=test plugins not built: {}",
            missing.join("; ")
        );
    }

    let mut source = String::new();
    for (name, path) in constants {
        let value = match path {
            Some(path) => format!("include_bytes!({:?})", path.display().to_string()),
            None => "&[]".to_string(),
        };
        source.push_str(&format!("pub(crate) const {name}: &[u8] = {value};\n"));
    }
    let missing = if missing.is_empty() {
        "None".to_string()
    } else {
        format!("Some({:?})", missing.join("; "))
    };
    source.push_str(&format!(
        "pub(crate) const MISSING: Option<&str> = {missing};\n"
    ));
    fs_err::write(out_dir.join("guests.rs"), source)?;
    Ok(())
}
