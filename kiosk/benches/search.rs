//! Library search over a synthetic 100,000-item catalogue: index build time and memory, then
//! per-keystroke queries, timed by criterion and as p50/p99 over many runs (the target is a p99
//! of at most 1 ms). Run with `cargo bench -p kiosk --bench search`; figures go in BENCHMARKS.md.
//!
//! With `UPDATES=1` it times, instead of queries, updating the index and the shelf in place
//! after a sync that changed a few items against building them whole.
//!
//! The catalogue is deterministic: fixed vocabularies and a seeded LCG, no extra dependencies.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk::search::{Entry, SearchIndex};
use kiosk::shelf::{Card, Shelf};
use protocol::ContentId;
use protocol::content::LibraryKind;

const ITEMS: usize = 100_000;
const RUNS: usize = 10_000;

/// What people type, keystroke by keystroke, on the search screen.
const QUERIES: &[&str] = &[
    "h",
    "hl",
    "hlm",
    "hong",
    "hongloumeng",
    "红",
    "红楼",
    "经济",
    "jingji",
    "9787",
    "紅樓夢",
    "鲁迅",
    "luxun",
    "zhangwei",
];

const CLASSICS: &[(&str, &str)] = &[
    ("红楼梦", "（清）曹雪芹 著"),
    ("三国演义", "（明）罗贯中 著"),
    ("水浒传", "（明）施耐庵 著"),
    ("西游记", "（明）吴承恩 著"),
    ("呐喊", "鲁迅"),
    ("朝花夕拾", "鲁迅"),
    ("彷徨", "鲁迅"),
    ("围城", "钱锺书"),
    ("活着", "余华"),
    ("平凡的世界", "路遥"),
    ("骆驼祥子", "老舍"),
    ("茶馆", "老舍"),
    ("边城", "沈从文"),
    ("家", "巴金"),
    ("雷雨", "曹禺"),
    ("子夜", "茅盾"),
    ("白鹿原", "陈忠实"),
    ("长恨歌", "王安忆"),
    ("尘埃落定", "阿来"),
    ("红岩", "罗广斌、杨益言"),
    ("林海雪原", "曲波"),
    ("青春之歌", "杨沫"),
    ("红星照耀中国", "（美）埃德加·斯诺 著；董乐山 译"),
    ("钢铁是怎样炼成的", "（苏）奥斯特洛夫斯基 著"),
    ("乡土中国", "费孝通"),
    ("万历十五年", "黄仁宇"),
    ("人类简史", "（以）尤瓦尔·赫拉利 著"),
    ("经济学原理", "（美）曼昆 著"),
    ("国富论", "（英）亚当·斯密 著"),
    ("红高粱家族", "莫言"),
];
const TOPICS: &[&str] = &[
    "经济",
    "管理",
    "金融",
    "历史",
    "文化",
    "法律",
    "劳动法",
    "工会",
    "安全生产",
    "职工",
    "心理",
    "健康",
    "养生",
    "教育",
    "家庭",
    "科学",
    "技术",
    "计算机",
    "数据",
    "人工智能",
    "网络",
    "市场营销",
    "会计",
    "财务",
    "投资",
    "理财",
    "银行",
    "保险",
    "中国",
    "世界",
    "城市",
    "乡村",
    "文学",
    "诗词",
    "书法",
    "摄影",
    "音乐",
    "艺术",
    "建筑",
    "旅行",
    "烹饪",
    "园艺",
    "哲学",
    "社会",
    "政治",
    "地理",
    "天文",
    "物理",
    "化学",
    "生物",
    "医学",
    "中医",
    "护理",
    "体育",
    "健身",
    "红色文化",
    "党史",
    "工匠精神",
    "劳模",
    "女职工",
    "权益保障",
    "合同",
    "社会保险",
    "风险管理",
    "信贷",
    "数字经济",
    "企业文化",
    "领导力",
    "沟通",
    "团队",
    "项目管理",
    "统计",
    "宏观经济",
    "微观经济",
    "国际贸易",
    "电子商务",
    "供应链",
    "人力资源",
    "行政",
    "公文写作",
];
const PREFIXES: &[&str] = &[
    "中国",
    "现代",
    "当代",
    "实用",
    "新编",
    "图解",
    "简明",
    "大众",
    "职工",
    "企业",
    "基层",
    "青年",
    "新时代",
    "趣味",
    "轻松学",
    "零基础学",
];
const SUFFIXES: &[&str] = &[
    "概论",
    "简史",
    "入门",
    "十讲",
    "教程",
    "手册",
    "指南",
    "原理",
    "基础",
    "实务",
    "案例精选",
    "百问百答",
    "读本",
    "精要",
    "研究",
    "通识",
    "导论",
    "从入门到精通",
    "实战",
    "知识问答",
    "理论与实践",
    "学习辅导",
];
const LITERARY_A: &[&str] = &[
    "春天", "故乡", "城市", "时间", "大河", "山村", "远方", "父亲", "母亲", "少年", "岁月", "星空",
    "海洋", "草原", "江南", "小镇", "黄昏", "雨季", "老街", "灯火", "麦田", "北方",
];
const LITERARY_B: &[&str] = &[
    "故事", "记忆", "声音", "光", "河流", "路", "歌", "旅程", "秘密", "来信", "守望", "日子",
    "四季", "风景", "回响", "长夜", "黎明", "花开", "归途", "背影",
];
const PLACES: &[&str] = &[
    "北京", "上海", "广东", "江苏", "浙江", "四川", "湖南", "山东", "河南", "陕西", "云南", "黄河",
    "长江", "岭南", "江南",
];
const PERIODICALS: &[&str] = &["月刊", "半月刊", "周刊", "日报", "晚报", "工人报", "画报"];
const LATIN: &[&str] = &[
    "Python", "Excel", "Java", "Linux", "PPT", "Word", "AI", "MBA",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "欧阳",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "华", "建", "国", "文", "海", "燕", "红", "玉", "峰", "晓", "宇",
    "欣", "雨", "婷", "嘉", "思", "博", "子", "浩", "然", "春", "秋", "志", "远",
];
const ROLES: &[&str] = &["", "", "", "", " 编著", " 主编", " 著"];

/// Knuth's MMIX linear congruential generator: deterministic, and plenty for picking words.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn person(rng: &mut Lcg) -> String {
    let mut name = rng.pick(SURNAMES).to_owned();
    for _ in 0..1 + rng.below(2) {
        name.push_str(rng.pick(GIVEN));
    }
    name
}

fn title(rng: &mut Lcg) -> String {
    match rng.below(100) {
        0..=2 => {
            let (title, _) = CLASSICS[rng.below(CLASSICS.len())];
            if rng.chance(30) {
                format!("{title}（插图本）")
            } else {
                title.to_owned()
            }
        }
        3..=27 => format!("{}{}", rng.pick(TOPICS), rng.pick(SUFFIXES)),
        28..=47 => format!(
            "{}{}{}",
            rng.pick(PREFIXES),
            rng.pick(TOPICS),
            rng.pick(SUFFIXES)
        ),
        48..=59 => format!("{}的{}", rng.pick(LITERARY_A), rng.pick(LITERARY_B)),
        60..=69 => format!("{}与{}", rng.pick(TOPICS), rng.pick(TOPICS)),
        70..=77 => format!(
            "{}{}（第{}版）",
            rng.pick(TOPICS),
            rng.pick(SUFFIXES),
            2 + rng.below(8)
        ),
        78..=84 => format!(
            "{}{}{}",
            rng.pick(PLACES),
            rng.pick(TOPICS),
            rng.pick(SUFFIXES)
        ),
        85..=89 => format!("{}{}", rng.pick(PLACES), rng.pick(PERIODICALS)),
        90..=93 => format!(
            "{}{}{}",
            rng.pick(LATIN),
            rng.pick(TOPICS),
            rng.pick(SUFFIXES)
        ),
        _ => format!(
            "{}{}：{}{}",
            rng.pick(PREFIXES),
            rng.pick(TOPICS),
            rng.pick(TOPICS),
            rng.pick(SUFFIXES)
        ),
    }
}

/// A valid ISBN-13 for a Chinese publisher.
fn isbn(rng: &mut Lcg) -> String {
    let body = format!("9787{:08}", rng.below(100_000_000));
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn entry(rng: &mut Lcg, serial: usize) -> Entry {
    let title = title(rng);
    let classic = CLASSICS.iter().find(|(t, _)| title.starts_with(t));
    let author = match classic {
        Some((_, author)) => (*author).to_owned(),
        None if rng.chance(15) => format!("{}、{}", person(rng), person(rng)),
        None => format!("{}{}", person(rng), rng.pick(ROLES)),
    };
    // Like the server's UUIDv7s: a millisecond timestamp first, so ids made in one import share
    // their first characters and ties are settled deep into the string.
    let millis = 0x0193_0000_0000 + serial as u64 / 30;
    let id = format!(
        "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
        millis >> 16,
        millis & 0xffff,
        rng.below(0x1000),
        0x8000 + rng.below(0x4000),
        rng.next() << 16 | rng.next() & 0xffff,
    );
    Entry {
        id: ContentId(id),
        isbn: rng.chance(90).then(|| isbn(rng)),
        kind: if title.ends_with("报") || title.ends_with("刊") {
            LibraryKind::Periodical
        } else {
            LibraryKind::Book
        },
        title,
        author,
    }
}

/// The catalogue, generated as it is consumed so its own memory does not blur the index's.
fn catalogue() -> impl Iterator<Item = Entry> {
    let mut rng = Lcg(2026);
    (0..ITEMS).map(move |serial| entry(&mut rng, serial))
}

/// Resident memory of this process, from /proc (Linux only).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn build_index() -> SearchIndex {
    let started = Instant::now();
    let generated = catalogue().count();
    let generation = started.elapsed();

    let rss_before = rss_kib();
    let started = Instant::now();
    let mut index = SearchIndex::new();
    for entry in catalogue() {
        index.upsert(entry);
    }
    let build = started.elapsed().saturating_sub(generation);
    let rss_after = rss_kib();
    println!(
        "built index of {} items in {:.0} ms (generating the {generated} entries took {:.0} ms \
         more)",
        index.len(),
        build.as_secs_f64() * 1e3,
        generation.as_secs_f64() * 1e3,
    );
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        println!(
            "resident memory grew by {:.1} MiB while building",
            after.saturating_sub(before) as f64 / 1024.0
        );
    }
    index
}

/// Per-query latency as the screen sees it: each query run RUNS times after a warm-up.
fn report_percentiles(index: &SearchIndex) {
    println!(
        "{:<14} {:>8} {:>10} {:>10} {:>10} {:>10}",
        "query", "matches", "min µs", "p50 µs", "p99 µs", "max µs"
    );
    let only = std::env::var("ONLY").ok();
    for query in QUERIES
        .iter()
        .filter(|q| only.as_deref().is_none_or(|o| o == **q))
    {
        for _ in 0..RUNS / 10 {
            black_box(index.search(black_box(query), 0, 20));
        }
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                black_box(index.search(black_box(query), 0, 20));
                started.elapsed()
            })
            .collect();
        times.sort_unstable();
        let micros = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{:<14} {:>8} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
            query,
            index.search(query, 0, 20).total,
            micros(times[0]),
            micros(percentile(&times, 50)),
            micros(percentile(&times, 99)),
            micros(times[times.len() - 1]),
        );
    }
}

fn card(entry: &Entry) -> Card {
    Card {
        id: entry.id.clone(),
        title: entry.title.clone(),
        author: entry.author.clone(),
        category: TOPICS[entry.title.len() % TOPICS.len()].to_owned(),
        kind: entry.kind,
        cover: None,
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// After a sync that changed `k` items: applying them to the index and the shelf in place
/// (what `Core::follow_library` does for up to `core::IN_PLACE_MAX`), against building the
/// shelf whole (the index's whole build is timed above). Median of five runs; each run edits
/// every (100,000 / k)th item's title anew.
fn report_updates(index: &mut SearchIndex) {
    let cards: Vec<Card> = catalogue().map(|e| card(&e)).collect();
    let builds: Vec<Duration> = (0..3)
        .map(|_| {
            let cards = cards.clone();
            let started = Instant::now();
            black_box(Shelf::build(cards));
            started.elapsed()
        })
        .collect();
    let shelf = Shelf::build(cards);
    println!(
        "built the shelf of {} cards in {:.0} ms (median of 3)",
        shelf.len(None),
        median(builds).as_secs_f64() * 1e3
    );
    println!(
        "{:<8} {:>12} {:>12} {:>12}",
        "changed", "index ms", "shelf ms", "total ms"
    );
    for k in [1, 10, 100, 1_000, 10_000] {
        let mut index_times = Vec::new();
        let mut shelf_times = Vec::new();
        for run in 0..5 {
            let edited: Vec<Entry> = catalogue()
                .step_by(ITEMS / k)
                .take(k)
                .map(|mut e| {
                    e.title.push_str(&format!("（第{run}次修订）"));
                    e
                })
                .collect();
            let changed: HashSet<ContentId> = edited.iter().map(|e| e.id.clone()).collect();
            let added: Vec<Card> = edited.iter().map(card).collect();
            let started = Instant::now();
            for entry in edited {
                index.upsert(entry);
            }
            index_times.push(started.elapsed());
            let started = Instant::now();
            black_box(shelf.updated(&changed, added));
            shelf_times.push(started.elapsed());
        }
        let (i, s) = (median(index_times), median(shelf_times));
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!("{k:<8} {:>12.3} {:>12.3} {:>12.3}", ms(i), ms(s), ms(i + s));
    }
}

fn search(c: &mut Criterion) {
    let mut index = build_index();
    if std::env::var_os("UPDATES").is_some() {
        report_updates(&mut index);
        return;
    }
    report_percentiles(&index);
    let mut group = c.benchmark_group("search_100k");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for query in QUERIES {
        group.bench_function(*query, |b| b.iter(|| index.search(black_box(query), 0, 20)));
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
