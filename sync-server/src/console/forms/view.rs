//! The builder's page: the form's title, one card per field (type, id, labels, its rules, its
//! condition, up / down / remove), adding a field, the problems found, the preview drawn as the
//! kiosk draws the form, and the JSON for experts. Every button is a plain submit; `app.js`
//! only refreshes the preview as staff type.

use maud::{Markup, html};
use protocol::answers::{MULTILINE_DEFAULT_MAX, TEXT_DEFAULT_MAX};
use protocol::content::form_limits::{ENGLISH_MAX, LABEL_MAX, MAX_FIELDS};
use protocol::content::{FieldInput, FormDefinition, FormField, FormProblem, VisibleIf};
use protocol::staff::Org;

use super::draft::{Draft, TYPES, date_text, options_text, type_of};
use crate::console::page::{Notice, flash};
use crate::console::session::Session;
use crate::console::{Lang, tr};

pub const BUILD: &str = "/console/forms/build";
pub const PREVIEW: &str = "/console/forms/preview";
pub const HOME_TILE: &str = "/console/forms/home-tile";

/// The expert's JSON editor under the builder: the text, why it was refused, and whether it
/// starts open.
pub struct JsonPane {
    pub text: String,
    pub error: Option<String>,
}

pub struct BuilderPage<'a> {
    pub draft: &'a Draft,
    pub problems: &'a [FormProblem],
    pub notice: &'a Notice,
    /// Where a new form may go.
    pub orgs: &'a [Org],
    pub json: Option<JsonPane>,
    /// For a live form: whether the home screen has a tile for it, and whether the caller may
    /// add one.
    pub home: Option<(String, bool)>,
    /// For a saved form: its response deadline's settings (`console::deadlines`).
    pub deadline: Option<maud::Markup>,
}

fn msg(l: Lang, p: &FormProblem) -> &str {
    p.message(match l {
        Lang::Zh => protocol::answers::Lang::Zh,
        Lang::En => protocol::answers::Lang::En,
    })
}

/// A label in the page's language, as the kiosk picks it.
fn pick<'a>(l: Lang, zh: &'a str, en: Option<&'a String>) -> &'a str {
    match (l, en) {
        (Lang::En, Some(en)) => en,
        _ => zh,
    }
}

pub fn builder(s: &Session, p: &BuilderPage<'_>) -> Markup {
    let l = s.lang;
    let d = p.draft;
    let fields = &d.def.fields;
    html! {
        (flash(p.notice))
        @if !p.problems.is_empty() {
            div.card.problems {
                p.error { (tr(l, "还不能发布，请先改正下面的问题（其余修改都已保留）：", "Not ready to publish: please fix these first (your other edits are kept):")) }
                ul { @for pr in p.problems.iter().take(50) { li {
                    @match pr.field {
                        Some(i) if i < MAX_FIELDS => { a href=(format!("#f{i}")) { (msg(l, pr)) } }
                        _ => { (msg(l, pr)) }
                    }
                } } }
            }
        }
        @if let Some(id) = &d.id {
            p.hint {
                (tr(l, "正在编辑第 ", "Editing version ")) (d.version)
                (tr(l, " 版。发布后生成新版本，终端会在几秒内收到；按旧版本填写、尚未送达的提交照常受理，并按旧版本显示。", ". Publishing makes a new version, which kiosks get within seconds; submissions filled in on an older version and not yet delivered are still accepted and shown as that version. "))
                a href=(crate::console::revisions::history_url(id)) { (tr(l, "修改记录", "History")) }
            }
            @if let Some((line, can_add)) = &p.home {
                form.home-tile method="post" action=(HOME_TILE) {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    input type="hidden" name="id" value=(id);
                    (tr(l, "首页入口：", "Home tile: ")) (line) " "
                    @if *can_add { button.secondary type="submit" { (tr(l, "在首页加入口", "Add a home tile")) } }
                }
            }
            @if let Some(deadline) = &p.deadline { (deadline) }
        }
        div.builder {
            form.editor id="builder" method="post" action=(BUILD) data-preview=(PREVIEW) {
                // The first submit button is what Enter in a text box presses: check, never move.
                button.default type="submit" name="op" value="preview" tabindex="-1" aria-hidden="true" { (tr(l, "检查", "Check")) }
                input type="hidden" name="_csrf" value=(s.csrf);
                @if let Some(id) = &d.id { input type="hidden" name="id" value=(id); }
                input type="hidden" name="version" value=(d.version);
                div.card {
                    @if d.id.is_none() {
                        label { (tr(l, "发布到", "Publish to")) select name="org" {
                            @for o in p.orgs {
                                option value=(o.id.0) selected[d.org == Some(o.id)] { (("　".repeat(o.depth as usize))) (o.name) }
                            }
                        } }
                    }
                    div.row {
                        label { (tr(l, "表单名称", "Form title")) input name="title" value=(d.def.title); }
                        label { (tr(l, "英文名称（可选）", "English title (optional)")) input name="title_en" value=(d.def.title_en.as_deref().unwrap_or_default()); }
                    }
                    label { (tr(l, "填写说明（可选，显示在表单最上方）", "Instructions (optional, shown above the fields)")) textarea name="description" rows="2" { (d.def.description) } }
                }
                @for (i, f) in fields.iter().enumerate().take(MAX_FIELDS) {
                    (field_card(l, &d.def, i, f, p.problems))
                }
                div.card.add {
                    div.row {
                        label { (tr(l, "添加字段", "Add a field")) select name="new_type" {
                            @for (value, zh, en) in TYPES { option value=(value) { (tr(l, zh, en)) } }
                        } }
                        button.secondary type="submit" name="op" value="add" formaction=(format!("{BUILD}#f{}", fields.len())) { (tr(l, "添加", "Add")) }
                    }
                }
                @if d.id.is_none() {
                    input type="hidden" name="home_tile_asked" value="1";
                    label.check.home-tile { input type="checkbox" name="home_tile" value="1" checked[d.home_tile];
                        (tr(l, " 在这个单位终端的首页加入这份表单的入口（单位没有自己的首页布局时，加在它使用的上级布局里，需有该单位的权限）", " Add a tile for this form to the home screen of this org's kiosks (if the org has no home layout of its own, to the one it uses, where you may edit it)")) }
                }
                div.row.actions {
                    button.secondary type="submit" name="op" value="preview" { (tr(l, "检查并预览", "Check and preview")) }
                    button type="submit" name="op" value="publish" {
                        @if d.id.is_some() { (tr(l, "发布新版本", "Publish a new version")) } @else { (tr(l, "发布", "Publish")) }
                    }
                }
            }
            aside.kiosk-side {
                div.label { (tr(l, "预览：终端上的样子", "Preview: as the kiosk shows it")) }
                div id="form-preview" { (preview(l, &d.def)) }
            }
        }
        @if let (Some(id), Some(json)) = (&d.id, &p.json) {
            details.card.json open[json.error.is_some()] {
                summary { (tr(l, "高级：直接编辑 JSON 定义", "Advanced: edit the JSON definition")) }
                p.hint { (tr(l, "与上面的表单生成器使用同一套检查；保存同样生成新版本。", "Checked exactly as the builder is; saving also makes a new version.")) }
                @if let Some(e) = &json.error { p.error { (e) } }
                form.editor method="post" action="/console/forms" {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    input type="hidden" name="id" value=(id);
                    input type="hidden" name="version" value=(d.version);
                    textarea name="json" rows="20" spellcheck="false" { (json.text) }
                    div.row {
                        button.secondary name="op" value="preview" type="submit" { (tr(l, "检查并在生成器中打开", "Check and open in the builder")) }
                        button name="op" value="publish" type="submit" { (tr(l, "发布新版本", "Publish a new version")) }
                    }
                }
            }
        }
    }
}

fn field_card(
    l: Lang,
    def: &FormDefinition,
    i: usize,
    f: &FormField,
    problems: &[FormProblem],
) -> Markup {
    let name = |n: &str| format!("f.{i}.{n}");
    let mine: Vec<&FormProblem> = problems.iter().filter(|p| p.field == Some(i)).collect();
    let kind = type_of(&f.input);
    let section = matches!(f.input, FieldInput::Section);
    let last = def.fields.len().min(MAX_FIELDS) - 1;
    html! {
        div.card.fieldcard.bad[!mine.is_empty()] id=(format!("f{i}")) {
            div.head {
                span.num { (i + 1) }
                label.kind { (tr(l, "类型", "Type")) select name=(name("type")) {
                    @for (value, zh, en) in TYPES { option value=(value) selected[value == kind] { (tr(l, zh, en)) } }
                } }
                label.key { (tr(l, "字段标识（英文小写）", "Field id (a-z, 0-9, _)")) input name=(name("key")) value=(f.key) spellcheck="false"; }
                @if !section {
                    label.check { input type="checkbox" name=(name("required")) value="1" checked[f.required]; (tr(l, "必填", "Required")) }
                }
                div.moves {
                    button.small type="submit" name="op" value=(format!("up:{i}")) formaction=(format!("{BUILD}#f{}", i.saturating_sub(1))) disabled[i == 0] title=(tr(l, "上移", "Move up")) { "↑" }
                    button.small type="submit" name="op" value=(format!("down:{i}")) formaction=(format!("{BUILD}#f{}", (i + 1).min(last))) disabled[i == last] title=(tr(l, "下移", "Move down")) { "↓" }
                    button.small.danger type="submit" name="op" value=(format!("remove:{i}")) formaction=(format!("{BUILD}#f{}", i.saturating_sub(1))) { (tr(l, "删除", "Remove")) }
                }
            }
            div.row {
                label { (if section { tr(l, "标题（中文）", "Heading (Chinese)") } else { tr(l, "标签（中文）", "Label (Chinese)") }) input name=(name("label")) value=(f.label) maxlength=(LABEL_MAX); }
                label { (tr(l, "英文（可选）", "English (optional)")) input name=(name("label_en")) value=(f.label_en.as_deref().unwrap_or_default()) maxlength=(ENGLISH_MAX); }
            }
            (rules(l, def, i, f))
            label { (tr(l, "说明文字（可选，显示在标签下）", "Help text (optional, shown under the label)")) input name=(name("help")) value=(f.help.as_deref().unwrap_or_default()); }
            @if !section { (condition(l, def, i, f)) }
            @if !mine.is_empty() {
                ul.problems { @for p in &mine { li { (msg(l, p)) } } }
            }
        }
    }
}

/// The inputs for a type's own rules.
fn rules(l: Lang, def: &FormDefinition, i: usize, f: &FormField) -> Markup {
    let name = |n: &str| format!("f.{i}.{n}");
    let num = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let lengths = |lo: Option<u32>, hi: Option<u32>, default: u32| {
        html! {
            label { (tr(l, "最少字数", "Fewest characters")) input type="number" min="0" name=(name("min_len")) value=(num(lo)); }
            label { (tr(l, "最多字数", "Most characters")) input type="number" min="0" name=(name("max_len")) value=(num(hi)) placeholder=(format!("{}{default}", tr(l, "默认 ", "default "))); }
        }
    };
    html! {
        @match &f.input {
            FieldInput::Text { min_len, max_len, person_name } => {
                div.row {
                    (lengths(*min_len, *max_len, TEXT_DEFAULT_MAX))
                    label.check { input type="checkbox" name=(name("person_name")) value="1" checked[*person_name]; (tr(l, "这是姓名（拼音输入先出姓氏）", "A person's name (pinyin offers surnames first)")) }
                }
            }
            FieldInput::Multiline { min_len, max_len } => {
                div.row { (lengths(*min_len, *max_len, MULTILINE_DEFAULT_MAX)) }
            }
            FieldInput::Number { min, max, integer } => {
                div.row {
                    label { (tr(l, "最小值", "Least")) input inputmode="decimal" name=(name("min")) value=(min.map(|v| v.to_string()).unwrap_or_default()); }
                    label { (tr(l, "最大值", "Greatest")) input inputmode="decimal" name=(name("max")) value=(max.map(|v| v.to_string()).unwrap_or_default()); }
                    label.check { input type="checkbox" name=(name("integer")) value="1" checked[*integer]; (tr(l, "只能填整数", "Whole numbers only")) }
                }
            }
            FieldInput::Phone { .. } => {
                label.check.status {
                    input type="radio" name="status_phone" value=(i) checked[def.status_phone_key() == Some(f.key.as_str())];
                    (tr(l, "职工用这个号码的后四位和回执号查询办理进度", "Employees check progress with the last four digits of this number and the receipt code"))
                }
            }
            FieldInput::ResidentId => {
                p.hint { (tr(l, "终端检查 18 位号码和最后的校验位。", "The kiosk checks the 18 characters and the check digit.")) }
            }
            FieldInput::Date { min, max } => {
                div.row {
                    label { (tr(l, "最早日期（可选）", "Earliest (optional)")) input name=(name("min")) value=(date_text(*min)) placeholder=(tr(l, "如 2026-01-01，或 today", "e.g. 2026-01-01, or today")); }
                    label { (tr(l, "最晚日期（可选）", "Latest (optional)")) input name=(name("max")) value=(date_text(*max)) placeholder=(tr(l, "如 2026-12-31，或 today", "e.g. 2026-12-31, or today")); }
                }
            }
            FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. } => {
                label {
                    (tr(l, "选项：每行一个，写成 值 | 中文 | English；只写中文时，中文也作为值", "Options, one a line: value | 中文 | English; a line with only the Chinese uses it as the value too"))
                    textarea name=(name("options")) rows=((options.len() + 1).clamp(3, 12)) spellcheck="false" { (options_text(options)) }
                }
                @if let FieldInput::MultiChoice { min_selected, max_selected, .. } = &f.input {
                    div.row {
                        label { (tr(l, "至少选几项（可选）", "Fewest choices (optional)")) input type="number" min="0" name=(name("min_selected")) value=(num(*min_selected)); }
                        label { (tr(l, "最多选几项（可选）", "Most choices (optional)")) input type="number" min="0" name=(name("max_selected")) value=(num(*max_selected)); }
                    }
                }
            }
            FieldInput::Consent => {
                p.hint { (tr(l, "终端显示“我已阅读并同意”的勾选框；设为必填时必须勾选才能提交。", "The kiosk shows an \"I have read and agree\" box; when required it must be ticked.")) }
            }
            FieldInput::Section => {
                p.hint { (tr(l, "分组标题把后面的字段归为一组，不需要填写；说明文字显示在标题下。", "A heading that groups the fields after it; it takes no answer. Its help text shows under it.")) }
            }
        }
    }
}

/// "Show only when field X is Y": X one of the earlier fields, Y typed, with the choices of X
/// offered.
fn condition(l: Lang, def: &FormDefinition, i: usize, f: &FormField) -> Markup {
    let name = |n: &str| format!("f.{i}.{n}");
    let earlier: Vec<&FormField> = def.fields[..i]
        .iter()
        .filter(|g| !matches!(g.input, FieldInput::Section))
        .collect();
    let current = f.visible_if.as_ref();
    let missing = current.filter(|c| !earlier.iter().any(|g| g.key == c.field));
    let target = current.and_then(|c| earlier.iter().find(|g| g.key == c.field));
    let list = format!("if-{i}");
    html! {
        div.row.condition {
            label { (tr(l, "显示条件", "Shown")) select name=(name("if_field")) {
                option value="" { (tr(l, "总是显示", "always")) }
                @for g in &earlier {
                    option value=(g.key) selected[current.is_some_and(|c| c.field == g.key)] {
                        (tr(l, "当“", "when '")) (g.label) (tr(l, "”", "'")) " (" (g.key) ")"
                    }
                }
                @if let Some(c) = missing {
                    option value=(c.field) selected { (tr(l, "（不存在的字段）", "(no such field) ")) (c.field) }
                }
            } }
            label { (tr(l, "等于", "equals")) input name=(name("if_equals")) value=(current.map(|c| c.equals.as_str()).unwrap_or_default()) list=(list); }
            datalist id=(list) {
                @match target.map(|t| &t.input) {
                    Some(FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. }) => {
                        @for o in options { option value=(o.value) { (o.label) } }
                    }
                    Some(FieldInput::Consent) => { option value="true" {} option value="false" {} }
                    _ => {}
                }
            }
        }
    }
}

/// The form drawn as the kiosk draws it (labels in the page's language, as the kiosk picks
/// them): a field shown only on a condition says so.
pub fn preview(l: Lang, def: &FormDefinition) -> Markup {
    let title = pick(l, &def.title, def.title_en.as_ref());
    let tap = tr(l, "轻触这里填写", "Tap here to type");
    html! {
        div.kiosk {
            div.kbar { (title) }
            div.kbody {
                @if !def.description.is_empty() { p.kdesc { (def.description) } }
                @for f in def.fields.iter().take(MAX_FIELDS) {
                    @if matches!(f.input, FieldInput::Section) {
                        div.ksection {
                            h3 { (pick(l, &f.label, f.label_en.as_ref())) }
                            @if let Some(h) = &f.help { p.khelp { (h) } }
                        }
                    } @else {
                        div.kfield.kcond[f.visible_if.is_some()] {
                            @if let Some(c) = &f.visible_if {
                                @let target = def.field(&c.field).map(|t| pick(l, &t.label, t.label_en.as_ref())).unwrap_or(c.field.as_str());
                                p.kwhen { (tr(l, "仅当“", "Only when '")) (target) (tr(l, "”为“", "' is '")) (answer_of(l, def, c)) (tr(l, "”时显示", "'")) }
                            }
                            div.klabel { (pick(l, &f.label, f.label_en.as_ref())) @if f.required { span.kreq { " *" } } }
                            @if let Some(h) = &f.help { p.khelp { (h) } }
                            @match &f.input {
                                FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. } => {
                                    @let mark = if matches!(f.input, FieldInput::MultiChoice { .. }) { "☐ " } else { "○ " };
                                    div.kchips { @for o in options { span.kchip { (mark) (pick(l, &o.label, o.label_en.as_ref())) } } }
                                }
                                FieldInput::Consent => { div.kchips { span.kchip { "☐ " (tr(l, "我已阅读并同意", "I have read and agree")) } } }
                                FieldInput::Multiline { .. } => { div.kinput.tall { (tap) } }
                                _ => { div.kinput { (tap) } }
                            }
                        }
                    }
                }
                div.kfoot { span.kbutton { (tr(l, "检查并提交", "Check and submit")) } }
            }
        }
    }
}

/// A condition's value as the employee sees it: an option's label, a consent box ticked or not.
fn answer_of<'a>(l: Lang, def: &'a FormDefinition, c: &'a VisibleIf) -> &'a str {
    match def.field(&c.field).map(|t| &t.input) {
        Some(FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. }) => {
            options
                .iter()
                .find(|o| o.value == c.equals)
                .map_or(c.equals.as_str(), |o| {
                    pick(l, &o.label, o.label_en.as_ref())
                })
        }
        Some(FieldInput::Consent) if c.equals == "true" => tr(l, "已勾选", "ticked"),
        Some(FieldInput::Consent) if c.equals == "false" => tr(l, "未勾选", "not ticked"),
        _ => &c.equals,
    }
}
