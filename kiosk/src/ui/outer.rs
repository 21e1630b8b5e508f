//! The widget around a whole screen: it can hide the pointer everywhere (a touchscreen shows
//! none, and a plain `mouse_area` loses to every button inside it, which asks for a hand) and
//! turn key presses anywhere into messages (a USB scanner types like a keyboard, with no text
//! field focused). Keys are handled in the window's own event loop rather than by a
//! subscription, whose bounded queue drops keys when the screen redraws slower than a scanner
//! types.

use iced::advanced::layout::{self, Layout};
use iced::advanced::widget::{Operation, Tree};
use iced::advanced::{Clipboard, Shell, Widget, mouse, overlay, renderer};
use iced::keyboard;
use iced::{Element, Event, Length, Rectangle, Size, Vector};

/// `content` as the whole screen; see [`Outer::hide_cursor`] and [`Outer::on_key`].
pub fn outer<'a, Message>(content: impl Into<Element<'a, Message>>) -> Outer<'a, Message> {
    Outer {
        content: content.into(),
        hide_cursor: false,
        on_key: None,
    }
}

pub struct Outer<'a, Message> {
    content: Element<'a, Message>,
    hide_cursor: bool,
    on_key: Option<fn(&keyboard::Event) -> Option<Message>>,
}

impl<'a, Message: 'a> Outer<'a, Message> {
    /// No pointer over anything inside, buttons included.
    pub fn hide_cursor(mut self, hide: bool) -> Self {
        self.hide_cursor = hide;
        self
    }

    /// Every key event anywhere is offered to `on_key`; what it returns is published.
    pub fn on_key(mut self, on_key: fn(&keyboard::Event) -> Option<Message>) -> Self {
        self.on_key = Some(on_key);
        self
    }
}

impl<'a, Message: 'a> From<Outer<'a, Message>> for Element<'a, Message> {
    fn from(outer: Outer<'a, Message>) -> Self {
        Element::new(outer)
    }
}

impl<Message> Widget<Message, iced::Theme, iced::Renderer> for Outer<'_, Message> {
    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn size(&self) -> Size<Length> {
        self.content.as_widget().size()
    }

    fn layout(
        &mut self,
        tree: &mut Tree,
        renderer: &iced::Renderer,
        limits: &layout::Limits,
    ) -> layout::Node {
        self.content
            .as_widget_mut()
            .layout(&mut tree.children[0], renderer, limits)
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        renderer: &iced::Renderer,
        operation: &mut dyn Operation,
    ) {
        self.content
            .as_widget_mut()
            .operate(&mut tree.children[0], layout, renderer, operation);
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        renderer: &iced::Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        self.content.as_widget_mut().update(
            &mut tree.children[0],
            event,
            layout,
            cursor,
            renderer,
            clipboard,
            shell,
            viewport,
        );
        if let (Event::Keyboard(key), Some(on_key)) = (event, self.on_key)
            && let Some(message) = on_key(key)
        {
            shell.publish(message);
        }
    }

    fn mouse_interaction(
        &self,
        tree: &Tree,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
        renderer: &iced::Renderer,
    ) -> mouse::Interaction {
        if self.hide_cursor {
            return mouse::Interaction::Hidden;
        }
        self.content.as_widget().mouse_interaction(
            &tree.children[0],
            layout,
            cursor,
            viewport,
            renderer,
        )
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut iced::Renderer,
        theme: &iced::Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        self.content.as_widget().draw(
            &tree.children[0],
            renderer,
            theme,
            style,
            layout,
            cursor,
            viewport,
        );
    }

    fn overlay<'b>(
        &'b mut self,
        tree: &'b mut Tree,
        layout: Layout<'b>,
        renderer: &iced::Renderer,
        viewport: &Rectangle,
        translation: Vector,
    ) -> Option<overlay::Element<'b, Message, iced::Theme, iced::Renderer>> {
        self.content.as_widget_mut().overlay(
            &mut tree.children[0],
            layout,
            renderer,
            viewport,
            translation,
        )
    }
}
