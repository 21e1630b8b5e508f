//! The demo pack's 职工之家: a page for the demo branch and one for its city, each with
//! facilities, contacts (one with a link shown as a QR code) and a generated photo.

use super::upsert;
use crate::import::covers;
use crate::media;
use crate::state::AppState;
use protocol::branch_page::{BranchPage, Contact, Facility};
use protocol::{ContentBody, OrgId};
use url::Url;

fn facility(name: &str, description: &str) -> Facility {
    Facility {
        name: name.to_owned(),
        description: description.to_owned(),
    }
}

fn contact(name: &str, role: &str, phone: &str, link: Option<&str>) -> anyhow::Result<Contact> {
    Ok(Contact {
        name: name.to_owned(),
        role: role.to_owned(),
        phone: phone.to_owned(),
        qr_url: link.map(Url::parse).transpose()?,
    })
}

/// Publishes both pages (the same again changes nothing).
pub(super) async fn load(state: &AppState, branch: OrgId, city: OrgId) -> anyhow::Result<()> {
    let photo = |title: &str| covers::generate(title, None, 1200, 675);
    let branch_photo = media::store_upload(state, photo("城东支行职工之家"))
        .await?
        .display
        .sha256;
    let branch_page = BranchPage {
        intro: "城东支行职工之家位于支行办公楼一层东侧，是全行职工学习、健身、交流的地方。\n\n\
                工作日午休和下班后开放，节假日按开放时间安排。欢迎大家常来坐坐。"
            .to_owned(),
        facilities: vec![
            facility("职工书屋", "一楼 105 室，藏书 3000 余册，可在本机查书"),
            facility("健身房", "一楼 108 室，跑步机 4 台、动感单车 6 台"),
            facility(
                "母婴室",
                "一楼 110 室，冰箱、哺乳椅，需要时向值班人员取钥匙",
            ),
            facility("心理咨询室", "每月第二个周三下午，专业咨询师驻点，可先预约"),
        ],
        contacts: vec![
            contact(
                "王芳",
                "支行工会主席",
                "0571-8888 6601",
                Some("https://example.cn/union/contact/wangfang"),
            )?,
            contact("李强", "工会干事（活动、场地）", "0571-8888 6602", None)?,
        ],
        photos: vec![branch_photo],
    };
    upsert(
        state,
        "branch_page".to_owned(),
        branch,
        ContentBody::BranchPage(branch_page),
    )
    .await?;
    let city_page = BranchPage {
        intro: "临江市分行职工服务中心为全市各支行职工提供法律援助、困难帮扶和文体活动。"
            .to_owned(),
        facilities: vec![
            facility("职工服务中心", "市分行大楼二楼，工作日 9:00-17:00"),
            facility("法律援助窗口", "每周二、四下午，律师现场解答劳动法问题"),
        ],
        contacts: vec![contact(
            "陈静",
            "市分行工会办公室",
            "0571-8888 6000",
            Some("https://example.cn/union/linjiang"),
        )?],
        photos: Vec::new(),
    };
    upsert(
        state,
        "branch_page".to_owned(),
        city,
        ContentBody::BranchPage(city_page),
    )
    .await?;
    Ok(())
}
