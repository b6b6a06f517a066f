//! `cargo run -p ekyc-testdata --example render_synthetic -- DIR`: writes the synthetic documents the
//! contract fixtures name into `DIR/synthetic/`, so `ekyc-gateway contract verify --data ../shared/data
//! --data DIR` can replay them.

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .expect("usage: render_synthetic DIR");
    match ekyc_testdata::write_synthetic_documents(std::path::Path::new(&dir)) {
        Some(files) => files.iter().for_each(|f| println!("{}", f.display())),
        None => {
            eprintln!("a font or photo the documents are made from is absent (see above)");
            std::process::exit(1);
        }
    }
}
