use super::spreadsheet_safe;

fn check(cell: &str, expected: &str) {
    assert_eq!(spreadsheet_safe(cell), expected, "{cell:?}");
}

#[test]
fn cells_that_a_spreadsheet_would_run_become_text() {
    check(
        "=HYPERLINK(\"http://evil\",\"点我\")",
        "'=HYPERLINK(\"http://evil\",\"点我\")",
    );
    check("+1+1", "'+1+1");
    check("-2+3", "'-2+3");
    check("@SUM(A1)", "'@SUM(A1)");
    check("\t=1", "'\t=1");
    check("\r=1", "'\r=1");
    check("李明", "李明");
    check("13800001234", "13800001234");
    check("a=1", "a=1");
    check("", "");
}
