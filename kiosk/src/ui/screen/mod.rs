//! The screens, one module each, and how they talk to the app.
//!
//! A screen is a type that owns its state, with its own `Message`, an `update` that returns the
//! screen's task and, when the app must act, an [`Event`], and a `view` of the screen's body (the
//! app draws the title and status bars around it). Screens read the app through a [`Context`]
//! and never change it: opening another screen, going back, asking for images, showing a notice
//! are events the app carries out.

pub mod admin;
pub mod article;
pub mod attract;
pub mod book;
pub mod branch;
pub mod closed;
pub mod competition;
pub mod form;
pub mod group;
pub mod home;
pub mod library;
pub mod news;
pub mod places;
pub mod poll;
pub mod proposal;
pub mod quiz;
pub mod search;
pub mod status;

use iced::{Element, Task};
use protocol::content::{FormDefinition, NewsCategory};
use protocol::{ContentId, ContentItem, MediaHash};

use super::app::Message;
use super::context::Context;
use super::images::Fit;
use crate::shelf::Shelf;
use crate::sync::SyncEvent;

/// What a screen asks of the app.
pub enum Event {
    /// Put this screen on top of the stack.
    Open(Destination),
    /// Close the screen on top.
    Back,
    /// Drop the whole session and show home.
    Home,
    /// Decode these images (for `Images::cached` in a later `view`).
    Images(Vec<(MediaHash, Fit)>),
    /// Show this sentence over the screen for a while.
    Notice(String),
    /// Ask the core again how sync stands (for the status bar).
    RefreshStatus,
    /// Close the kiosk app (the admin panel's "exit").
    Exit,
}

impl Event {
    /// Asks for these images, or for nothing when there are none.
    pub fn images(wanted: Vec<(MediaHash, Fit)>) -> Option<Event> {
        (!wanted.is_empty()).then_some(Event::Images(wanted))
    }
}

/// A screen to open.
pub enum Destination {
    News(NewsCategory),
    Article(ContentId),
    Library,
    Book(ContentId),
    Search,
    Form(Box<(ContentItem, FormDefinition)>),
    /// A form with some answers already given (a booking's request form, its session chosen).
    Request(Box<(ContentItem, FormDefinition, protocol::answers::Answers)>),
    StatusCheck,
    /// 名额预约: every offering, or (`Some`) one resource's week of slots.
    Places(Option<ContentId>),
    /// 职工之家: the kiosk's own org's page and its parent's.
    BranchPage,
    /// 劳动竞赛: the cached competitions' standings and history.
    Competitions,
    /// 知识竞赛: the cached quizzes, a round, the ranking.
    Quiz,
    /// 职代会提案: the calls and their proposals.
    Proposals,
    /// A call's proposal form, with the co-signer rule (`protocol::proposal::cosigner_rule`).
    Proposal(Box<(ContentItem, FormDefinition)>),
    /// 民主管理: the cached polls, and the results staff chose to show.
    Polls,
    /// A module's own tiles (its home tile, and the cached forms its tiles may open).
    Group(Box<(protocol::content::Tile, Vec<(ContentItem, FormDefinition)>)>),
}

/// One screen on the stack above home. The stack holds a handful at most, so the variants'
/// different sizes cost nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Screen {
    News(news::News),
    Article(article::Reader),
    Library(library::Library),
    Book(book::Book),
    Search(search::Search),
    Admin(admin::Admin),
    Form(form::Form),
    StatusCheck(status::StatusCheck),
    Places(places::Places),
    Branch(branch::Branch),
    Competitions(competition::Competitions),
    Quiz(quiz::QuizScreen),
    Proposals(proposal::Proposals),
    Polls(poll::Polls),
    Group(group::Group),
}

/// A screen that lives on the stack: where it sits in [`Screen`], and how it handles its own
/// messages. The app hands a message to the topmost screen of its type.
pub trait Stacked: Sized {
    type Message: Send + 'static;

    fn find(screen: &mut Screen) -> Option<&mut Self>;

    fn update(
        &mut self,
        message: Self::Message,
        ctx: &Context,
    ) -> (Task<Self::Message>, Option<Event>);
}

impl Screen {
    /// The title bar's text.
    pub fn title<'a>(&'a self, ctx: &Context) -> &'a str {
        match self {
            Screen::News(s) => s.title(ctx),
            Screen::Article(s) => s.title(ctx),
            Screen::Library(_) | Screen::Book(_) => ctx.strings().library_title,
            Screen::Search(_) => ctx.strings().library_search,
            Screen::Admin(_) => ctx.strings().admin_title,
            Screen::Form(s) => s.title(ctx),
            Screen::StatusCheck(_) => ctx.strings().check_title,
            Screen::Places(_) => ctx.strings().places_title,
            Screen::Branch(_) => ctx.strings().branch_title,
            Screen::Competitions(_) => ctx.strings().competition_title,
            Screen::Quiz(_) => ctx.strings().quiz_title,
            Screen::Proposals(_) => ctx.strings().proposal_title,
            Screen::Polls(_) => ctx.strings().polls_title,
            Screen::Group(s) => s.title(ctx),
        }
    }

    /// The module's name in the usage counts (`protocol::usage`).
    pub fn usage_name(&self) -> &'static str {
        match self {
            Screen::News(_) => "news",
            Screen::Article(_) => "article",
            Screen::Library(_) => "library",
            Screen::Book(_) => "book",
            Screen::Search(_) => "search",
            Screen::Admin(_) => "admin",
            Screen::Form(_) => "form",
            Screen::StatusCheck(_) => "status_check",
            Screen::Places(_) => "places",
            Screen::Branch(_) => "branch_page",
            Screen::Competitions(_) => "competitions",
            Screen::Quiz(_) => "quiz",
            Screen::Proposals(_) => "proposals",
            Screen::Polls(_) => "polls",
            Screen::Group(_) => "group",
        }
    }

    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        match self {
            Screen::News(s) => s.view(ctx).map(Message::News),
            Screen::Article(s) => s.view(ctx).map(Message::Article),
            Screen::Library(s) => s.view(ctx).map(Message::Library),
            Screen::Book(s) => s.view(ctx).map(Message::Book),
            Screen::Search(s) => s.view(ctx).map(Message::Search),
            Screen::Admin(s) => s.view(ctx).map(Message::Admin),
            Screen::Form(s) => s.view(ctx).map(Message::Form),
            Screen::StatusCheck(s) => s.view(ctx).map(Message::StatusCheck),
            Screen::Places(s) => s.view(ctx).map(Message::Places),
            Screen::Branch(s) => s.view(ctx).map(Message::Branch),
            Screen::Competitions(s) => s.view(ctx).map(Message::Competitions),
            Screen::Quiz(s) => s.view(ctx).map(Message::Quiz),
            Screen::Proposals(s) => s.view(ctx).map(Message::Proposals),
            Screen::Polls(s) => s.view(ctx).map(Message::Polls),
            Screen::Group(s) => s.view(ctx).map(Message::Group),
        }
    }

    /// A sync finished (or failed): what the screen needs to do about it.
    pub fn on_sync(&mut self, event: &SyncEvent, ctx: &Context) -> Task<Message> {
        match self {
            Screen::News(s) => s.on_sync(event, ctx).map(Message::News),
            Screen::Admin(s) => {
                s.on_sync(event);
                Task::none()
            }
            Screen::Form(s) => s.on_sync(ctx).map(Message::Form),
            Screen::Places(s) => s.on_sync(event, ctx).map(Message::Places),
            Screen::Polls(s) => s.on_sync(event, ctx).map(Message::Polls),
            _ => Task::none(),
        }
    }

    /// A second passed (the app's tick): a quiz round's countdown.
    pub fn on_tick(&mut self, ctx: &Context) -> Task<Message> {
        match self {
            Screen::Quiz(s) => s.on_tick(ctx).map(Message::Quiz),
            _ => Task::none(),
        }
    }

    /// The catalogue changed under the screen.
    pub fn on_shelf_changed(&mut self, shelf: &Shelf) {
        if let Screen::Library(s) = self {
            s.on_shelf_changed(shelf);
        }
    }
}
