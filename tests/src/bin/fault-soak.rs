//! The long fault run (issue 16): `fault-soak CYCLES [SEED]`, or `scripts/soak.sh CYCLES [SEED]`,
//! which builds the release binaries first. Prints the report and exits non-zero when the oracle
//! found anything lost, duplicated, unknown or diverged. Needs root (each kiosk's disk is a
//! small tmpfs it fills).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| {
        args.get(i).map_or(default, |a| {
            a.parse().unwrap_or_else(|_| {
                panic!("usage: fault-soak CYCLES [SEED]: {a:?} is not a number")
            })
        })
    };
    let options = tests::fault::Options {
        cycles: u32::try_from(number(0, 1000)).expect("CYCLES fits in 32 bits"),
        seed: number(1, 1),
        bin_dir: tests::fault::Options::bin_dir_of_current_exe(),
        verbose: std::env::var_os("VERBOSE").is_some(),
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let started = std::time::Instant::now();
    let report = runtime.block_on(tests::fault::run(options));
    print!("{report}");
    println!("took {:.0} s", started.elapsed().as_secs_f64());
    if report.clean() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
