//! A deterministic generator of realistic Chinese library catalogues, for the demo and for
//! benchmarks: titles, authors, publishers, categories, valid ISBN-13s, and some periodicals and
//! newspapers. The same seed and count always write the same CSV.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::io::Write;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛",
    "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚",
    "欧阳", "司马", "上官",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "华", "建", "国", "文", "海", "燕", "红", "玉", "林", "峰",
    "晓", "宇", "欣", "雨", "婷", "嘉", "思", "博", "子", "怡", "浩", "然", "梓", "萱", "一", "鸣",
    "春", "秋", "雪", "松", "云", "志", "远", "德", "安", "宁", "清", "川", "舟", "亦", "凡", "晨",
];
const PUBLISHERS: &[(&str, &str)] = &[
    ("人民文学出版社", "02"),
    ("中华书局", "101"),
    ("商务印书馆", "100"),
    ("生活·读书·新知三联书店", "108"),
    ("中信出版社", "5086"),
    ("机械工业出版社", "111"),
    ("人民邮电出版社", "115"),
    ("清华大学出版社", "302"),
    ("北京大学出版社", "301"),
    ("中国金融出版社", "5049"),
    ("法律出版社", "5197"),
    ("人民卫生出版社", "117"),
    ("译林出版社", "5447"),
    ("上海译文出版社", "5327"),
    ("作家出版社", "5063"),
    ("中国工人出版社", "5008"),
    ("科学出版社", "03"),
    ("电子工业出版社", "121"),
    ("上海人民出版社", "208"),
    ("广西师范大学出版社", "5598"),
    ("长江文艺出版社", "5354"),
    ("浙江文艺出版社", "5339"),
    ("湖南文艺出版社", "5404"),
    ("中国人民大学出版社", "300"),
];

/// (category, topics used in titles and descriptions)
const CATEGORIES: &[(&str, &[&str])] = &[
    (
        "文学",
        &[
            "散文", "小说", "诗歌", "随笔", "乡土", "江南", "边城", "故园", "山河", "人间",
        ],
    ),
    (
        "历史",
        &[
            "中国古代史",
            "明清",
            "唐宋",
            "丝绸之路",
            "近代中国",
            "运河",
            "长城",
            "敦煌",
            "古都",
            "史记",
        ],
    ),
    (
        "经济管理",
        &[
            "管理学",
            "经济学",
            "营销",
            "领导力",
            "团队协作",
            "项目管理",
            "战略",
            "数字经济",
            "企业文化",
            "品牌",
        ],
    ),
    (
        "金融",
        &[
            "银行风险管理",
            "个人理财",
            "信贷实务",
            "金融科技",
            "普惠金融",
            "支付清算",
            "财务报表",
            "投资",
            "保险",
            "反洗钱",
        ],
    ),
    (
        "法律",
        &[
            "劳动法",
            "民法典",
            "社会保险",
            "合同",
            "婚姻家庭",
            "消费者权益",
            "工伤认定",
            "劳动争议",
            "知识产权",
            "法治",
        ],
    ),
    (
        "健康生活",
        &[
            "营养学",
            "中医养生",
            "运动健身",
            "睡眠",
            "颈椎养护",
            "家常菜",
            "慢性病管理",
            "急救常识",
            "体重管理",
            "茶",
        ],
    ),
    (
        "家庭教育",
        &[
            "亲子沟通",
            "青春期",
            "幼儿启蒙",
            "阅读习惯",
            "家风",
            "学习力",
            "情绪管理",
            "隔代教育",
            "成长",
            "陪伴",
        ],
    ),
    (
        "心理",
        &[
            "心理学",
            "压力管理",
            "积极心理",
            "职场心理",
            "情绪",
            "自我成长",
            "人际关系",
            "正念",
            "沟通",
            "幸福感",
        ],
    ),
    (
        "科普",
        &[
            "天文",
            "地球",
            "人工智能",
            "数据科学",
            "生命科学",
            "物理",
            "化学",
            "海洋",
            "气候",
            "材料",
        ],
    ),
    (
        "艺术",
        &[
            "书法",
            "摄影",
            "国画",
            "音乐欣赏",
            "戏曲",
            "建筑",
            "设计",
            "手工",
            "剪纸",
            "园林",
        ],
    ),
    (
        "计算机",
        &[
            "Python",
            "数据分析",
            "办公软件",
            "网络安全",
            "数据库",
            "编程",
            "云计算",
            "信息化",
            "算法",
            "人工智能",
        ],
    ),
    (
        "工会工作",
        &[
            "工会工作",
            "职工权益",
            "劳模精神",
            "工匠精神",
            "职工之家",
            "民主管理",
            "集体协商",
            "女职工工作",
            "职工文化",
            "劳动保护",
        ],
    ),
];

const LITERARY_A: &[&str] = &[
    "春天", "故乡", "城市", "时间", "大河", "山村", "远方", "父亲", "母亲", "少年", "岁月", "星空",
    "海洋", "草原", "江南", "小镇", "黄昏", "雨季", "老街", "灯火", "麦田", "北方", "南方", "青春",
];
const LITERARY_B: &[&str] = &[
    "故事", "记忆", "声音", "光", "河流", "路", "歌", "旅程", "秘密", "来信", "守望", "日子",
    "四季", "风景", "回响", "长夜", "黎明", "花开", "归途", "背影",
];
const SUFFIXES: &[&str] = &[
    "简史",
    "入门",
    "十讲",
    "通识",
    "实务",
    "指南",
    "精要",
    "新论",
    "漫谈",
    "手册",
    "百问",
    "之道",
    "基础",
    "案例精选",
    "从零开始",
    "通俗读本",
];
const PEOPLE: &[&str] = &[
    "苏东坡",
    "李白",
    "杜甫",
    "王阳明",
    "张骞",
    "郑和",
    "徐霞客",
    "李时珍",
    "沈括",
    "范仲淹",
    "辛弃疾",
    "陆游",
    "詹天佑",
    "竺可桢",
    "华罗庚",
];
const PLACES: &[&str] = &[
    "江南", "临江", "青山", "西湖", "黄河", "长江", "巴蜀", "岭南", "齐鲁", "燕赵", "三秦", "荆楚",
];
const AUDIENCES: &[&str] = &[
    "普通读者",
    "职场新人",
    "一线职工",
    "青年职工",
    "家长",
    "管理者",
    "银行从业人员",
    "中老年读者",
];
const ASPECTS: &[&str] = &[
    "来龙去脉",
    "基本方法",
    "常见问题",
    "关键概念",
    "实践经验",
    "发展脉络",
    "核心知识",
    "典型案例",
];

/// One catalogue row, in `import-catalog` column order.
struct Entry {
    title: String,
    author: String,
    publisher: String,
    year: i32,
    isbn: String,
    kind: &'static str,
    category: String,
    description: String,
    location: String,
    external_id: String,
}

fn person(rng: &mut ChaCha8Rng) -> String {
    let mut name = (*SURNAMES.choose(rng).expect("non-empty")).to_owned();
    for _ in 0..rng.random_range(1..=2) {
        name.push_str(GIVEN.choose(rng).expect("non-empty"));
    }
    name
}

/// ISBN-13 with a valid check digit, from a publisher prefix and a running number.
pub fn isbn13(prefix: &str, serial: u64) -> String {
    let body_len = 12 - 4 - prefix.len();
    let serial = serial % 10u64.pow(body_len as u32);
    let digits = format!("9787{prefix}{serial:0body_len$}");
    let sum: u32 = digits
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).expect("digits only") * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

fn entry(rng: &mut ChaCha8Rng, i: u64) -> Entry {
    let (category, topics) = CATEGORIES.choose(rng).expect("non-empty");
    let topic = *topics.choose(rng).expect("non-empty");
    let location = format!(
        "{}楼书屋 {}区{}号架",
        ["一", "二", "三"][rng.random_range(0..3)],
        ["A", "B", "C", "D", "E"][rng.random_range(0..5)],
        rng.random_range(1..=30)
    );
    let roll = rng.random_range(0..1000);
    if roll < 5 {
        let place = PLACES.choose(rng).expect("non-empty");
        let name = ["日报", "晚报", "工人报", "金融报", "法治报"][rng.random_range(0..5)];
        return Entry {
            title: format!("{place}{name}"),
            author: String::new(),
            publisher: format!("{place}{name}社"),
            year: 2026,
            isbn: String::new(),
            kind: "newspaper",
            category: "报纸".to_owned(),
            description: format!("{place}地区的{name}，报道时事要闻和民生服务。"),
            location: "一楼报刊阅览区".to_owned(),
            external_id: format!("NEWS-{i:06}"),
        };
    }
    if roll < 55 {
        let freq = ["月刊", "半月刊", "周刊", "双月刊", "季刊"][rng.random_range(0..5)];
        return Entry {
            title: format!("{topic}{freq}"),
            author: String::new(),
            publisher: format!("{topic}杂志社"),
            year: rng.random_range(2020..=2026),
            isbn: String::new(),
            kind: "periodical",
            category: (*category).to_owned(),
            description: format!("关注{topic}领域的{freq}，每期刊登专题文章和实用资讯。"),
            location: format!("一楼期刊区 {}号架", rng.random_range(1..=12)),
            external_id: format!("PER-{i:06}"),
        };
    }
    let title = match (category, rng.random_range(0..4)) {
        (&"文学", _) | (_, 0) if rng.random_bool(0.5) => format!(
            "{}的{}",
            LITERARY_A.choose(rng).expect("non-empty"),
            LITERARY_B.choose(rng).expect("non-empty")
        ),
        (&"历史", 1) => format!("{}传", PEOPLE.choose(rng).expect("non-empty")),
        (_, 2) => format!(
            "{}堂{topic}课",
            ["七", "九", "十", "十二", "二十"][rng.random_range(0..5)]
        ),
        _ => format!("{topic}{}", SUFFIXES.choose(rng).expect("non-empty")),
    };
    let (publisher, prefix) = PUBLISHERS.choose(rng).expect("non-empty");
    let mut author = person(rng);
    if rng.random_bool(0.15) {
        author = format!("{author}、{}", person(rng));
    }
    if rng.random_bool(0.2) {
        author.push_str(" 编著");
    }
    let year = 2026 - (rng.random_range(0.0f64..1.0).powi(2) * 40.0) as i32;
    Entry {
        title,
        author,
        publisher: (*publisher).to_owned(),
        year,
        isbn: isbn13(prefix, i * 7919 + u64::from(rng.random_range(0..7u32))),
        kind: "book",
        category: (*category).to_owned(),
        description: format!(
            "本书讲述{topic}的{}，语言通俗，适合{}阅读。",
            ASPECTS.choose(rng).expect("non-empty"),
            AUDIENCES.choose(rng).expect("non-empty")
        ),
        location,
        external_id: String::new(),
    }
}

/// Writes a `count`-row catalogue CSV (with header) to `out`, leaving out any ISBN or id in
/// `taken` (so it can sit beside a hand-made catalogue without claiming its books).
pub fn write_csv(
    out: impl Write,
    count: u64,
    seed: u64,
    taken: &HashSet<String>,
) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "title",
        "author",
        "publisher",
        "year",
        "isbn",
        "kind",
        "category",
        "description",
        "location",
        "read_online_url",
        "cover_file",
        "external_id",
    ])?;
    let mut seen = taken.clone();
    let mut i = 0;
    let mut written = 0;
    while written < count {
        i += 1;
        let e = entry(&mut rng, i);
        let key = if e.isbn.is_empty() {
            e.external_id.clone()
        } else {
            e.isbn.clone()
        };
        if !seen.insert(key) {
            continue;
        }
        csv.write_record([
            e.title.as_str(),
            &e.author,
            &e.publisher,
            &e.year.to_string(),
            &e.isbn,
            e.kind,
            &e.category,
            &e.description,
            &e.location,
            "",
            "",
            &e.external_id,
        ])?;
        written += 1;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_isbns_are_valid() {
        for (prefix, serial) in [("02", 1), ("5086", 99_999), ("101", 123_456_789)] {
            let isbn = isbn13(prefix, serial);
            assert_eq!(isbn.len(), 13);
            assert_eq!(
                protocol::isbn::normalize(&isbn).as_deref(),
                Some(isbn.as_str())
            );
        }
    }

    #[test]
    fn catalogue_is_deterministic_and_varied() {
        let mut a = Vec::new();
        write_csv(&mut a, 500, 7, &HashSet::new()).expect("writes");
        let mut b = Vec::new();
        write_csv(&mut b, 500, 7, &HashSet::new()).expect("writes");
        assert_eq!(a, b);
        let text = String::from_utf8(a).expect("utf-8");
        assert_eq!(text.lines().count(), 501);
        assert!(text.contains(",book,") && text.contains(",periodical,"));
    }
}
