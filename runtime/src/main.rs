//! `parc-rt`: runs one rank's compiled program. Execution arrives with the exec dialect; until
//! then this binary explains that and exits with an error.

fn main() {
    let dir = std::env::args().nth(1);
    match dir {
        Some(dir) if std::path::Path::new(&dir).join(parc_runtime::PLAN_FILE).exists() => {
            eprintln!(
                "error: {dir} holds a plan, but this version of parc-rt cannot execute programs yet (no exec dialect)"
            );
        }
        Some(dir) => eprintln!("error: {dir} is not a parc output directory (no {} in it)", parc_runtime::PLAN_FILE),
        None => {
            eprintln!("usage: parc-rt OUT_DIR\n  runs this rank's program from a directory written by `parc compile`")
        }
    }
    std::process::exit(2);
}
