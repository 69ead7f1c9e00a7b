//! `wasm-bindgen` for the Worker's build: the arguments worker-build 0.8.7 passes (its
//! build/mod.rs, `wasm_bindgen_build`, and the two flags its main.rs adds), given to
//! `wasm_bindgen_cli_support::Bindgen` as wasm-bindgen-cli 0.2.130's `rmain` gives them: every
//! setter the CLI calls is called here too, flags absent meaning false, because some of the
//! library's own defaults differ from the CLI's (`omit_default_module_path`, and `externref`,
//! which the library reads from the environment). Any other argument is refused by name, so a new
//! worker-build flag fails loudly instead of being dropped. Parsed by hand: clap would be the only
//! dependency besides the library, for eleven flags.

use std::path::PathBuf;
use std::process::exit;
use wasm_bindgen_cli_support::Bindgen;

#[derive(Default)]
struct Args {
    input: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    target: Option<String>,
    out_name: Option<String>,
    no_typescript: bool,
    debug: bool,
    no_demangle: bool,
    keep_debug: bool,
    omit_default_module_path: bool,
    split_linked_modules: bool,
    reset_state_function: bool,
    force_enable_abort_handler: bool,
}

fn main() {
    let result = match parse(std::env::args().skip(1)) {
        Ok(None) => Ok(println!("wasm-bindgen {}", env!("CARGO_PKG_VERSION"))),
        Ok(Some(args)) => generate(&args),
        Err(message) => Err(message),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        exit(1);
    }
}

/// The arguments, or None for `--version`.
fn parse(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args::default();
    while let Some(arg) = argv.next() {
        let mut value = || argv.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--version" | "-V" => return Ok(None),
            "--out-dir" => args.out_dir = Some(value()?.into()),
            "--target" => args.target = Some(value()?),
            "--out-name" => args.out_name = Some(value()?),
            "--typescript" => args.no_typescript = false,
            "--no-typescript" => args.no_typescript = true,
            "--debug" => args.debug = true,
            "--no-demangle" => args.no_demangle = true,
            "--keep-debug" => args.keep_debug = true,
            "--omit-default-module-path" => args.omit_default_module_path = true,
            "--split-linked-modules" => args.split_linked_modules = true,
            "--experimental-reset-state-function" => args.reset_state_function = true,
            "--force-enable-abort-handler" => args.force_enable_abort_handler = true,
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "{flag}: not an option this wasm-bindgen takes (tools/wasm-bindgen)"
                ));
            }
            _ if args.input.is_some() => return Err(format!("a second input: {arg}")),
            _ => args.input = Some(arg.into()),
        }
    }
    Ok(Some(args))
}

fn generate(args: &Args) -> Result<(), String> {
    let input = args.input.as_ref().ok_or("no input .wasm")?;
    let out_dir = args.out_dir.as_ref().ok_or("no --out-dir")?;
    let mut b = Bindgen::new();
    let mode = match args.target.as_deref().unwrap_or("bundler") {
        "bundler" => b.bundler(true),
        "module" => b.module(true),
        other => return Err(format!("--target {other}: not a target worker-build uses")),
    };
    mode.map_err(|error| format!("{error:?}"))?;
    #[allow(deprecated)] // the CLI sets it too, to false: a Rust toolchain's features decide
    b.reference_types(false);
    b.input_path(input)
        .debug(args.debug)
        .demangle(!args.no_demangle)
        .keep_lld_exports(false)
        .keep_debug(args.keep_debug)
        .split_debug_info(false)
        .remove_name_section(false)
        .remove_producers_section(false)
        .typescript(!args.no_typescript)
        .omit_imports(false)
        .omit_default_module_path(args.omit_default_module_path)
        .split_linked_modules(args.split_linked_modules)
        .js_string_builtins(false)
        .ts_typed_array_buffers(false)
        .reset_state_function(args.reset_state_function)
        .force_enable_abort_handler(args.force_enable_abort_handler);
    if let Some(name) = &args.out_name {
        b.out_name(name);
    }
    b.generate(out_dir).map_err(|error| format!("{error:?}"))
}
