//! Catalogues exchanged as MARC records in ISO 2709 files (`.iso`, `.mrc`): CNMARC, the
//! Chinese form of UNIMARC that Chinese library systems export, and MARC 21. Which of the two a
//! record is follows from its fields (UNIMARC's title is 200, MARC 21's is 245), and its text is
//! UTF-8 when every byte of the record reads as UTF-8, else GB18030.
//!
//! The file is read record by record (one record in memory at a time). Before the `marc` crate
//! sees a record, its structure is checked here — the leader's length and base address and
//! every directory entry inside the record — so a damaged record is reported by its number, not
//! a panic.

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::GB18030;
use marc::Record;

use super::fields::{Column, Values};
use crate::error::AppResult;

const RECORD_END: u8 = 0x1D;
const FIELD_END: u8 = 0x1E;
const LEADER: usize = 24;
/// ISO 2709 records are at most 99,999 bytes (five digits of length).
const MAX_RECORD: usize = 99_999;

/// Whether `sample` (a file's first bytes) starts as an ISO 2709 record: five digits of length,
/// then at leader positions 10–11 the indicator and subfield-code counts "22", and a base
/// address of five digits.
pub fn looks_like_marc(sample: &[u8]) -> bool {
    let sample = skip_blank(sample);
    sample.len() >= LEADER
        && sample[..5].iter().all(u8::is_ascii_digit)
        && &sample[10..12] == b"22"
        && sample[12..17].iter().all(u8::is_ascii_digit)
}

fn skip_blank(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n' | b' ' | 0))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

pub struct MarcSource {
    file: BufReader<std::fs::File>,
    buffer: Vec<u8>,
    number: u64,
}

impl MarcSource {
    pub fn open(path: &Path) -> AppResult<MarcSource> {
        Ok(MarcSource {
            file: BufReader::with_capacity(256 * 1024, super::open(path)?),
            buffer: Vec::with_capacity(4096),
            number: 0,
        })
    }

    pub(super) fn next_record(&mut self) -> Option<(u64, Result<Values, String>)> {
        self.buffer.clear();
        let read = (&mut self.file)
            .take(MAX_RECORD as u64 + 64)
            .read_until(RECORD_END, &mut self.buffer);
        match read {
            Err(e) => {
                self.number += 1;
                return Some((self.number, Err(format!("无法读取：{e}"))));
            }
            Ok(0) => return None,
            Ok(_) => {}
        }
        let bytes = skip_blank(&self.buffer);
        if bytes.is_empty() {
            return None;
        }
        self.number += 1;
        if bytes.last() != Some(&RECORD_END) {
            if self.buffer.len() > MAX_RECORD {
                // Skip the rest of an overlong record so the next one is found.
                let mut rest = Vec::new();
                let _ = self.file.read_until(RECORD_END, &mut rest);
                return Some((
                    self.number,
                    Err("记录超过 99,999 字节，不是 ISO 2709 记录".into()),
                ));
            }
            return Some((
                self.number,
                Err("文件在这条记录中间结束了（缺记录结束符）".into()),
            ));
        }
        Some((self.number, read_record(bytes)))
    }
}

/// Checks the record's structure: the leader's length is the record's, the base address and
/// every directory entry lie inside it, and each field ends with a field terminator.
fn check_structure(bytes: &[u8]) -> Result<(), String> {
    let digits = |range: std::ops::Range<usize>| -> Option<usize> {
        let part = bytes.get(range)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0')))
    };
    if bytes.len() < LEADER + 2 {
        return Err("记录太短，不是 ISO 2709 记录".into());
    }
    let length = digits(0..5).ok_or("记录头的长度不是数字")?;
    if length != bytes.len() {
        return Err(format!(
            "记录头说长 {length} 字节，实际 {} 字节",
            bytes.len()
        ));
    }
    let base = digits(12..17).ok_or("记录头的数据起始地址不是数字")?;
    if base <= LEADER || base > bytes.len() || bytes[base - 1] != FIELD_END {
        return Err(format!("记录头的数据起始地址 {base} 不对"));
    }
    let directory = &bytes[LEADER..base - 1];
    if !directory.len().is_multiple_of(12) {
        return Err("目录区长度不是 12 的倍数".into());
    }
    for entry in directory.chunks(12) {
        let field = |range: std::ops::Range<usize>| {
            let part = &entry[range];
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0')))
        };
        let tag = String::from_utf8_lossy(&entry[..3]);
        let (Some(len), Some(start)) = (field(3..7), field(7..12)) else {
            return Err(format!("字段 {tag} 的目录项不是数字"));
        };
        let end = base + start + len;
        if len == 0 || end > bytes.len() - 1 || bytes[end - 1] != FIELD_END {
            return Err(format!("字段 {tag} 的位置超出了记录或没有字段结束符"));
        }
    }
    Ok(())
}

/// Text of a subfield or control field, decoded as the record is encoded.
struct Decoder {
    utf8: bool,
}

impl Decoder {
    fn text(&self, bytes: &[u8]) -> String {
        let text: Cow<'_, str> = if self.utf8 {
            String::from_utf8_lossy(bytes)
        } else {
            GB18030.decode_without_bom_handling(bytes).0
        };
        text.trim().to_owned()
    }
}

/// The record's values. UNIMARC/CNMARC when it has a 200 field, MARC 21 when it has 245.
fn read_record(bytes: &[u8]) -> Result<Values, String> {
    check_structure(bytes)?;
    let record = Record::parse(bytes).map_err(|e| format!("无法解析：{e}"))?;
    let decoder = Decoder {
        utf8: std::str::from_utf8(bytes).is_ok(),
    };
    let sub = |tag: &[u8; 3], code: u8| -> Option<String> {
        record.field(tag).iter().find_map(|f| {
            f.subfield(code)
                .first()
                .map(|s| decoder.text(s.get_data::<[u8]>()))
                .filter(|s| !s.is_empty())
        })
    };
    let control = |tag: &[u8; 3]| -> Option<String> {
        record
            .field(tag)
            .first()
            .map(|f| decoder.text(f.get_data::<[u8]>()))
            .filter(|s| !s.is_empty())
    };
    let mut values: Values = Default::default();
    let mut set = |c: Column, v: Option<String>| {
        if let Some(v) = v {
            values[c as usize] = v;
        }
    };
    let serial = bytes.get(7) == Some(&b's');
    set(Column::Kind, serial.then(|| "期刊".to_owned()));
    set(Column::ExternalId, control(b"001"));
    if !record.field(b"200").is_empty() {
        let title = sub(b"200", b'a').map(|a| match sub(b"200", b'e') {
            Some(e) => format!("{a}：{e}"),
            None => a,
        });
        set(Column::Title, title);
        let statement = match (sub(b"200", b'f'), sub(b"200", b'g')) {
            (Some(f), Some(g)) => Some(format!("{f}；{g}")),
            (f, None) => f,
            (None, g) => sub(b"701", b'a').or(sub(b"702", b'a')).or(g),
        };
        set(Column::Author, statement);
        set(Column::Publisher, sub(b"210", b'c'));
        set(Column::Year, sub(b"210", b'd'));
        set(Column::Isbn, sub(b"010", b'a'));
        set(Column::Clc, sub(b"690", b'a'));
        let call = sub(b"905", b'd').map(|d| match sub(b"905", b'e') {
            Some(e) => format!("{d}/{e}"),
            None => d,
        });
        set(Column::CallNumber, call);
        set(Column::Description, sub(b"330", b'a'));
    } else if !record.field(b"245").is_empty() {
        let title = sub(b"245", b'a').map(|a| match sub(b"245", b'b') {
            Some(b) => format!("{}：{}", isbd(&a), isbd(&b)),
            None => isbd(&a).to_owned(),
        });
        set(Column::Title, title);
        // The statement of responsibility as transcribed (245$c), else the main entry's name.
        let author = sub(b"245", b'c').map(|c| isbd(&c).to_owned()).or_else(|| {
            sub(b"100", b'a')
                .or(sub(b"110", b'a'))
                .map(|a| isbd(&a).to_owned())
        });
        set(Column::Author, author);
        let published = |code| sub(b"264", code).or(sub(b"260", code));
        set(
            Column::Publisher,
            published(b'b').map(|p| isbd(&p).to_owned()),
        );
        let year = published(b'c').or_else(|| {
            control(b"008")
                .and_then(|f| f.get(7..11).map(str::to_owned))
                .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
        });
        set(Column::Year, year);
        let isbn =
            sub(b"020", b'a').map(|i| i.split([' ', '(']).next().unwrap_or_default().to_owned());
        set(Column::Isbn, isbn);
        let clc = record.field(b"084").iter().find_map(|f| {
            let scheme = f
                .subfield(b'2')
                .first()
                .map(|s| decoder.text(s.get_data::<[u8]>()));
            if scheme.is_none_or(|s| s.eq_ignore_ascii_case("clc")) {
                f.subfield(b'a')
                    .first()
                    .map(|s| decoder.text(s.get_data::<[u8]>()))
            } else {
                None
            }
        });
        set(Column::Clc, clc);
        let call = sub(b"852", b'h').map(|h| match sub(b"852", b'i') {
            Some(i) => format!("{h}/{i}"),
            None => h,
        });
        set(Column::CallNumber, call);
        set(Column::Location, sub(b"852", b'c'));
        set(Column::Description, sub(b"520", b'a'));
    } else {
        return Err("没有题名字段（CNMARC 200 或 MARC 21 245）".into());
    }
    Ok(values)
}

/// `text` without the ISBD punctuation MARC 21 puts at a subfield's end (" /", " :", " ;", ",").
fn isbd(text: &str) -> &str {
    text.trim_end_matches([' ', '/', ':', ';', ',', '=', '.', '：', '；', '，'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use marc::{FieldRepr, RecordBuilder};
    use proptest::prelude::*;

    /// A CNMARC record made by the `marc` crate's builder.
    fn record() -> Vec<u8> {
        RecordBuilder::new()
            .add_fields(vec![
                FieldRepr::from((b"001", "C001")),
                FieldRepr::from((b"010", b"  ", vec![(b'a', "9787506365437")])),
                FieldRepr::from((b"200", b"1 ", vec![(b'a', "活着"), (b'f', "余华著")])),
                FieldRepr::from((b"210", b"  ", vec![(b'c', "作家出版社"), (b'd', "2012")])),
                FieldRepr::from((b"905", b"  ", vec![(b'd', "I247.5"), (b'e', "Y863")])),
            ])
            .expect("fields fit")
            .get_record()
            .expect("record fits")
            .as_ref()
            .to_vec()
    }

    #[test]
    fn a_builder_made_record_reads_back() {
        let values = read_record(&record()).expect("reads");
        assert_eq!(values[Column::Title as usize], "活着");
        assert_eq!(values[Column::Author as usize], "余华著");
        assert_eq!(values[Column::CallNumber as usize], "I247.5/Y863");
        assert_eq!(values[Column::ExternalId as usize], "C001");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any byte changed anywhere in a record, or the record cut short, gives a sentence or
        /// values, never a panic (the `marc` crate itself indexes without checking).
        #[test]
        fn damaged_records_never_panic(
            changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = record();
            for (at, byte) in &changes {
                let i = at.index(bytes.len());
                bytes[i] = *byte;
            }
            let _ = read_record(&bytes);
            let end = cut.index(bytes.len()) + 1;
            let _ = read_record(&bytes[..end]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = looks_like_marc(&bytes);
            let _ = read_record(&bytes);
        }
    }
}
