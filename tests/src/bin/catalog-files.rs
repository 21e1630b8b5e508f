//! Writes the catalogue fixtures, or converts a generated catalogue for the import benchmark.
//!
//! `catalog-files DIR` writes every fixture into DIR (tests/fixtures/catalog);
//! `catalog-files --convert IN.csv OUT.iso|OUT.xlsx` writes the `gen-catalog` CSV IN as CNMARC
//! records or as a one-sheet workbook.

use std::path::PathBuf;

use tests::catalog_files;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [dir] => catalog_files::write_fixtures(&PathBuf::from(dir))?,
        [flag, input, output] if flag == "--convert" => {
            let books = catalog_files::books_from_generated_csv(&PathBuf::from(input))?;
            let output = PathBuf::from(output);
            if output.extension().is_some_and(|e| e == "xlsx") {
                catalog_files::write_xlsx(&output, &[("书目", books)])?;
            } else {
                catalog_files::write_cnmarc(&output, &books)?;
            }
        }
        _ => {
            return Err(
                "usage: catalog-files DIR | catalog-files --convert IN.csv OUT.iso|OUT.xlsx".into(),
            );
        }
    }
    Ok(())
}
