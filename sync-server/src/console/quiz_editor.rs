//! 知识竞赛's editor (publishers): a quiz's title, introduction, questions per round and time
//! limit, and its question bank as plain text — no JSON. A question is a block: its first line
//! `[编号] 题干`, then an option a line (`A. 选项`, a leading `*` marks a right one; two or more
//! right makes it a multiple choice), then `解析：…`. Every problem is said in Chinese (the
//! protocol's own check, `Quiz::validate`) with what was typed kept. A save is a new version
//! (`content::edit`, from the version the editor was opened on); a question whose key and stem
//! are unchanged keeps its English.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use protocol::content::Problem;
use protocol::quiz::{Question, Quiz, QuizOption};
use protocol::staff::ContentWrite;
use protocol::{ContentBody, ContentId, OrgId};
use serde::Deserialize;

use super::page::{Page, app_error, layout, org_options, org_select, urlencode};
use super::quiz::HERE;
use super::session::{CsrfForm, Publisher, Session};
use super::{Lang, tr};
use crate::content;
use crate::state::AppState;

pub const NEW: &str = "/console/quiz/new";

#[derive(Debug, Default, Deserialize)]
pub struct QuizForm {
    #[serde(default)]
    org: i64,
    #[serde(default)]
    base: u32,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    per_round: String,
    #[serde(default)]
    seconds: String,
    #[serde(default)]
    questions: String,
}

const EXAMPLE: &str = "[union-25] 有会员多少人以上的单位应当建立基层工会委员会？\nA. 十人\n*B. 二十五人\nC. 五十人\n解析：《工会法》第十三条。\n\n[contract-terms] 劳动合同应当具备哪些条款？（多选）\n*A. 劳动合同期限\n*B. 劳动报酬\nC. 个人兴趣爱好\n解析：《劳动合同法》第十七条。";

/// An option line: `A. 文字`, `A、文字`, `A．文字`, `*A. 文字` (right).
fn option_line(line: &str) -> Option<(bool, QuizOption)> {
    let (right, rest) = match line.strip_prefix('*').or_else(|| line.strip_prefix('＊')) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, line),
    };
    let mut chars = rest.char_indices();
    let (_, key) = chars.next()?;
    if !key.is_ascii_alphabetic() {
        return None;
    }
    let (at, sep) = chars.next()?;
    if !matches!(sep, '.' | '、' | '．' | ')' | '）') {
        return None;
    }
    Some((
        right,
        QuizOption {
            key: key.to_ascii_uppercase().to_string(),
            text: rest[at + sep.len_utf8()..].trim().to_owned(),
            text_en: None,
        },
    ))
}

/// Reads the bank's text; `previous` lends English to questions whose key and stem are
/// unchanged. Problems of the text itself are said by line.
pub fn parse_questions(text: &str, previous: Option<&Quiz>) -> Result<Vec<Question>, Vec<String>> {
    let mut out: Vec<Question> = Vec::new();
    let mut problems = Vec::new();
    for (n, block) in text
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .enumerate()
    {
        let mut lines = block.lines().map(str::trim).filter(|l| !l.is_empty());
        let Some(first) = lines.next() else { continue };
        let (key, stem) = match first.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((key, stem)) => (key.trim().to_owned(), stem.trim().to_owned()),
            None => (format!("q{}", n + 1), first.to_owned()),
        };
        let mut q = Question {
            key,
            stem,
            stem_en: None,
            options: Vec::new(),
            multiple: false,
            answer: Vec::new(),
            explanation: String::new(),
            explanation_en: None,
        };
        for line in lines {
            if let Some(why) = line
                .strip_prefix("解析：")
                .or_else(|| line.strip_prefix("解析:"))
            {
                q.explanation = why.trim().to_owned();
            } else if !q.explanation.is_empty() {
                q.explanation.push('\n');
                q.explanation.push_str(line);
            } else if let Some((right, option)) = option_line(line) {
                if right {
                    q.answer.push(option.key.clone());
                }
                q.options.push(option);
            } else {
                problems.push(format!(
                    "第 {} 题：“{line}”既不是选项（A. …）也不是解析（解析：…）",
                    n + 1
                ));
            }
        }
        q.multiple = q.answer.len() > 1;
        if let Some(old) = previous
            .and_then(|p| p.question(&q.key))
            .filter(|o| o.stem == q.stem)
        {
            q.stem_en = old.stem_en.clone();
            if old.explanation == q.explanation {
                q.explanation_en = old.explanation_en.clone();
            }
            for o in &mut q.options {
                o.text_en = old
                    .options
                    .iter()
                    .find(|x| x.key == o.key && x.text == o.text)
                    .and_then(|x| x.text_en.clone());
            }
        }
        out.push(q);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The bank as the editor shows it.
pub fn questions_text(quiz: &Quiz) -> String {
    quiz.questions
        .iter()
        .map(|q| {
            let mut block = format!("[{}] {}", q.key, q.stem);
            for o in &q.options {
                let star = if q.answer.contains(&o.key) { "*" } else { "" };
                block.push_str(&format!("\n{star}{}. {}", o.key, o.text));
            }
            if !q.explanation.is_empty() {
                block.push_str(&format!("\n解析：{}", q.explanation));
            }
            block
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

impl QuizForm {
    fn of(quiz: &Quiz, org: i64, base: u32) -> QuizForm {
        QuizForm {
            org,
            base,
            title: quiz.title.clone(),
            title_en: quiz.title_en.clone().unwrap_or_default(),
            intro: quiz.intro.clone(),
            per_round: quiz.per_round.to_string(),
            seconds: quiz.seconds.to_string(),
            questions: questions_text(quiz),
        }
    }

    /// The quiz typed, or every problem in Chinese.
    fn parse(&self, previous: Option<&Quiz>) -> Result<Quiz, Vec<String>> {
        let mut problems = Vec::new();
        let number = |text: &str, what: &str, problems: &mut Vec<String>| {
            text.trim().parse::<u32>().unwrap_or_else(|_| {
                problems.push(format!("{what}须是整数"));
                0
            })
        };
        let per_round = number(&self.per_round, "每轮题数", &mut problems);
        let seconds = number(&self.seconds, "限时（秒）", &mut problems);
        let questions = parse_questions(&self.questions, previous).unwrap_or_else(|p| {
            problems.extend(p);
            Vec::new()
        });
        let title_en = self.title_en.trim();
        let quiz = Quiz {
            title: self.title.trim().to_owned(),
            title_en: (!title_en.is_empty()).then(|| title_en.to_owned()),
            intro: self.intro.trim().to_owned(),
            intro_en: previous
                .filter(|p| p.intro == self.intro.trim())
                .and_then(|p| p.intro_en.clone()),
            questions,
            per_round,
            seconds,
            opens_at: previous.and_then(|p| p.opens_at),
            closes_at: previous.and_then(|p| p.closes_at),
        };
        if let Err(found) = ContentBody::Quiz(quiz.clone()).validate() {
            problems.extend(
                found
                    .into_iter()
                    .map(|Problem { field, message }| format!("{field}：{message}")),
            );
        }
        if problems.is_empty() {
            Ok(quiz)
        } else {
            Err(problems)
        }
    }
}

fn editor(l: Lang, s: &Session, orgs: &[protocol::staff::Org], f: &QuizForm, to: &str) -> Markup {
    html! {
        form.stack method="post" action=(to) {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="base" value=(f.base);
            @if f.base == 0 {
                label { (tr(l, "发布到", "Publish at")) (org_select(orgs, "org")) }
            } @else {
                input type="hidden" name="org" value=(f.org);
            }
            label { (tr(l, "标题", "Title")) input type="text" name="title" value=(f.title) required; }
            label { (tr(l, "英文标题（可不填）", "Title in English (optional)")) input type="text" name="title_en" value=(f.title_en); }
            label { (tr(l, "说明", "Introduction")) textarea name="intro" rows="3" { (f.intro) } }
            label { (tr(l, "每轮题数", "Questions a round")) input type="number" name="per_round" min="1" max="50" value=(f.per_round) required; }
            label { (tr(l, "每轮限时（秒）", "Time limit a round (seconds)")) input type="number" name="seconds" min="30" max="3600" value=(f.seconds) required; }
            label {
                (tr(l, "题库（每题一段，段间空一行：第一行“[编号] 题干”，下面每行一个选项“A. 选项”，正确的选项前加 *，两个以上正确即为多选题，最后一行“解析：…”）",
                    "Question bank (a block each, blank lines between: first line “[key] question”, then an option a line “A. option”, a * before each right one — two or more make it multiple choice — and last “解析：” with the explanation)"))
                textarea name="questions" rows="18" placeholder=(EXAMPLE) { (f.questions) }
            }
            button type="submit" { (tr(l, "发布", "Publish")) }
        }
    }
}

fn page(
    l: Lang,
    s: &Session,
    orgs: &[protocol::staff::Org],
    f: &QuizForm,
    to: &str,
    problems: &[String],
) -> Markup {
    layout(
        s,
        tr(l, "编辑知识竞赛", "Edit a quiz"),
        HERE,
        html! {
            p { a href=(HERE) { (tr(l, "← 全部知识竞赛", "← All quizzes")) } }
            @if !problems.is_empty() {
                div.error {
                    p { (tr(l, "没有发布：", "Not published:")) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            (editor(l, s, orgs, f, to))
        },
    )
}

pub async fn new(State(state): State<AppState>, s: Publisher) -> Page {
    let orgs = org_options(&state, &s).await?;
    let f = QuizForm {
        org: s.info.org_id.0,
        per_round: "10".to_owned(),
        seconds: "300".to_owned(),
        ..QuizForm::default()
    };
    Ok(page(s.lang, &s, &orgs, &f, NEW, &[]).into_response())
}

fn published(l: Lang, id: &ContentId) -> Redirect {
    Redirect::to(&format!(
        "{HERE}/{id}?ok={}",
        urlencode(tr(
            l,
            "已发布，终端会在几秒内显示。",
            "Published; kiosks show it within seconds."
        ))
    ))
}

pub async fn create(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<QuizForm>,
) -> Page {
    let l = s.lang;
    let quiz = match f.parse(None) {
        Ok(quiz) => quiz,
        Err(problems) => {
            let orgs = org_options(&state, &s).await?;
            let body = page(l, &s, &orgs, &f, NEW, &problems);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let w = ContentWrite {
        org_id: OrgId(f.org),
        published: true,
        publish_at: None,
        expire_at: None,
        body: ContentBody::Quiz(quiz),
    };
    let record = content::create(&state, s.actor.clone(), w)
        .await
        .map_err(|e| app_error(l, e))?;
    Ok(published(l, &record.item.id).into_response())
}

/// The quiz's current version, within the publisher's reach (else 404).
async fn current(
    state: &AppState,
    s: &Session,
    id: &str,
) -> Result<(Quiz, i64, u32), axum::response::Response> {
    let record = content::get(state, s.actor.clone(), ContentId(id.to_owned()))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    match record.item.body {
        ContentBody::Quiz(q) => Ok((q, record.item.org_id.0, record.item.version)),
        _ => Err(app_error(
            s.lang,
            crate::error::AppError::not_found("知识竞赛"),
        )),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
) -> Page {
    let (quiz, org, version) = current(&state, &s, &id).await?;
    let f = QuizForm::of(&quiz, org, version);
    Ok(page(s.lang, &s, &[], &f, &format!("{HERE}/{id}/edit"), &[]).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<QuizForm>,
) -> Page {
    let l = s.lang;
    let (before, _, _) = current(&state, &s, &id).await?;
    let quiz = match f.parse(Some(&before)) {
        Ok(quiz) => quiz,
        Err(problems) => {
            let body = page(l, &s, &[], &f, &format!("{HERE}/{id}/edit"), &problems);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let id = ContentId(id);
    content::edit(
        &state,
        s.actor.clone(),
        id.clone(),
        f.base,
        ContentBody::Quiz(quiz),
        None,
        None,
    )
    .await
    .map_err(|e| app_error(l, e))?;
    Ok(published(l, &id).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_reads_back_as_typed_and_keeps_english_of_unchanged_questions() {
        let text = "[a] 仲裁时效多长？\nA. 半年\n*B. 一年\n解析：第二十七条。\n\n合同必备条款？\n*A、期限\n*B．报酬\nC) 爱好";
        let qs = parse_questions(text, None).expect("read");
        assert_eq!(qs.len(), 2);
        assert_eq!(
            (qs[0].key.as_str(), qs[0].answer.clone(), qs[0].multiple),
            ("a", vec!["B".to_owned()], false)
        );
        assert_eq!(qs[0].explanation, "第二十七条。");
        assert_eq!(
            (qs[1].key.as_str(), qs[1].multiple, qs[1].options.len()),
            ("q2", true, 3)
        );
        let mut quiz = Quiz {
            title: "t".into(),
            title_en: None,
            intro: String::new(),
            intro_en: None,
            questions: qs,
            per_round: 2,
            seconds: 60,
            opens_at: None,
            closes_at: None,
        };
        quiz.questions[0].stem_en = Some("How long?".into());
        let again = parse_questions(&questions_text(&quiz), Some(&quiz)).expect("read");
        assert_eq!(again[0].stem_en.as_deref(), Some("How long?"));
        assert_eq!(again[1].answer, quiz.questions[1].answer);
        let problems = parse_questions("[x] 题\n随便写", None).expect_err("not an option");
        assert!(problems[0].contains("随便写"), "{problems:?}");
    }
}
