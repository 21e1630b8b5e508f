use super::*;

/// `name` inside a folder holding `a.jpg`, `sub/b.jpg`, a link `out.jpg` to a file beside the
/// folder and a link `in.jpg` to `a.jpg`: `Ok` if accepted.
fn check(name: &str, expect: bool) {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("import");
    std::fs::create_dir_all(dir.join("sub")).expect("folders");
    for file in ["import/a.jpg", "import/sub/b.jpg", "secret.txt"] {
        std::fs::write(root.path().join(file), b"x").expect("file");
    }
    std::os::unix::fs::symlink(root.path().join("secret.txt"), dir.join("out.jpg")).expect("link");
    std::os::unix::fs::symlink(dir.join("a.jpg"), dir.join("in.jpg")).expect("link");
    let got = file_inside(&dir, name);
    assert_eq!(got.is_ok(), expect, "{name}: {got:?}");
    if let Err(message) = got {
        assert!(message.contains("不在导入的文件夹里"), "{message}");
    }
}

#[test]
fn names_inside_the_folder_pass() {
    check("a.jpg", true);
    check("./sub/b.jpg", true);
    check("in.jpg", true);
    check("missing.jpg", true);
}

#[test]
fn names_leaving_the_folder_are_refused() {
    check("../secret.txt", false);
    check("sub/../../secret.txt", false);
    check("sub/../a.jpg", false);
    check("/etc/passwd", false);
    check("out.jpg", false);
    check("", false);
}
