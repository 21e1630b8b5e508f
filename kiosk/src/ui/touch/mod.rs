//! A vertical scroller made for glass.
//!
//! iced's `scrollable` does not scroll when a drag starts on a button, and it has no momentum
//! (see ICED_NOTES.md). `TouchScroll` owns the gesture instead: a press is held back from the
//! content until the finger either lifts close to where it landed — then the content gets the
//! press and release, so a button there fires — or moves further than [`SLOP`], which makes it a
//! drag that scrolls and never reaches the content. A drag released while moving keeps gliding
//! and slows down. Touch events and mouse events (a touchscreen that emulates a mouse) are
//! handled alike.
//!
//! The offset is the caller's: the widget reports a new one through `on_scroll` and is drawn at
//! whatever offset the caller passes back. Long lists use that to build only the rows in view
//! (see [`Window`]).

mod gesture;
mod rows;

use iced::advanced::layout::{self, Layout};
use iced::advanced::renderer;
use iced::advanced::widget::{self, Tree, tree};
use iced::advanced::{Clipboard, Shell, Widget, mouse as amouse};
use iced::mouse;
use iced::touch;
use iced::window;
use iced::{Element, Event, Length, Point, Rectangle, Size};

use self::gesture::{
    FRICTION, Gesture, MIN_FLICK, MIN_GLIDE, Pointer, State, is_lost, move_of, press_of, release_of,
};
pub use self::rows::Window;

/// How far (logical pixels) a finger may wander and still tap.
pub const SLOP: f32 = 14.0;
/// Pixels per wheel "line".
const LINE: f32 = 64.0;

/// What the caller learns on every change of the offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub offset: f32,
    /// Height of the visible area.
    pub height: f32,
    /// Height of the whole content.
    pub content: f32,
}

pub struct TouchScroll<'a, Message, Theme, Renderer> {
    content: Element<'a, Message, Theme, Renderer>,
    offset: f32,
    on_scroll: Box<dyn Fn(Viewport) -> Message + 'a>,
    width: Length,
    height: Length,
}

/// A vertical touch scroller over `content`, drawn at `offset`.
pub fn touch_scroll<'a, Message, Theme, Renderer>(
    content: impl Into<Element<'a, Message, Theme, Renderer>>,
    offset: f32,
    on_scroll: impl Fn(Viewport) -> Message + 'a,
) -> TouchScroll<'a, Message, Theme, Renderer> {
    TouchScroll {
        content: content.into(),
        offset,
        on_scroll: Box::new(on_scroll),
        width: Length::Fill,
        height: Length::Fill,
    }
}

impl<'a, Message, Theme, Renderer> TouchScroll<'a, Message, Theme, Renderer> {
    pub fn height(mut self, height: impl Into<Length>) -> Self {
        self.height = height.into();
        self
    }
}

impl<Message, Theme, Renderer> TouchScroll<'_, Message, Theme, Renderer> {
    fn max_offset(layout: Layout<'_>) -> f32 {
        let bounds = layout.bounds();
        let content = layout
            .children()
            .next()
            .map(|c| c.bounds().height)
            .unwrap_or(0.0);
        (content - bounds.height).max(0.0)
    }

    fn viewport(&self, layout: Layout<'_>, offset: f32) -> Viewport {
        let bounds = layout.bounds();
        let content = layout
            .children()
            .next()
            .map(|c| c.bounds().height)
            .unwrap_or(0.0);
        Viewport {
            offset,
            height: bounds.height,
            content,
        }
    }

    fn publish(&self, layout: Layout<'_>, offset: f32, shell: &mut Shell<'_, Message>) -> f32 {
        let clamped = offset.clamp(0.0, Self::max_offset(layout));
        if (clamped - self.offset).abs() > f32::EPSILON {
            shell.publish((self.on_scroll)(self.viewport(layout, clamped)));
        }
        clamped
    }
}

impl<Message, Theme, Renderer> Widget<Message, Theme, Renderer>
    for TouchScroll<'_, Message, Theme, Renderer>
where
    Renderer: renderer::Renderer,
{
    fn size(&self) -> Size<Length> {
        Size::new(self.width, self.height)
    }

    fn tag(&self) -> tree::Tag {
        tree::Tag::of::<State>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(State::default())
    }

    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn layout(
        &mut self,
        tree: &mut Tree,
        renderer: &Renderer,
        limits: &layout::Limits,
    ) -> layout::Node {
        let limits = limits.width(self.width).height(self.height);
        let size = limits.resolve(self.width, self.height, Size::ZERO);
        let child_limits = layout::Limits::new(
            Size::new(size.width, 0.0),
            Size::new(size.width, f32::INFINITY),
        );
        let child =
            self.content
                .as_widget_mut()
                .layout(&mut tree.children[0], renderer, &child_limits);
        let max = (child.size().height - size.height).max(0.0);
        let offset = self.offset.clamp(0.0, max);
        layout::Node::with_children(size, vec![child.move_to(Point::new(0.0, -offset))])
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        renderer: &Renderer,
        operation: &mut dyn widget::Operation,
    ) {
        operation.container(None, layout.bounds());
        operation.traverse(&mut |operation| {
            if let Some(child) = layout.children().next() {
                self.content.as_widget_mut().operate(
                    &mut tree.children[0],
                    child,
                    renderer,
                    operation,
                );
            }
        });
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: amouse::Cursor,
        renderer: &Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        let bounds = layout.bounds();
        let Some(child_layout) = layout.children().next() else {
            return;
        };
        let state = tree.state.downcast_mut::<State>();
        let offset = self.offset.clamp(0.0, Self::max_offset(layout));

        // A press inside starts a gesture; the content does not see it (yet).
        if let Some((pointer, position)) = press_of(event, cursor) {
            if !bounds.contains(position) {
                return;
            }
            let caught = matches!(state.gesture, Gesture::Gliding { .. });
            state.gesture = Gesture::Pressed {
                pointer,
                start: position,
                start_offset: offset,
                caught,
            };
            state.samples.clear();
            state.sample(position.y);
            shell.capture_event();
            return;
        }

        match state.gesture {
            Gesture::Pressed {
                pointer,
                start,
                start_offset,
                caught,
            } => {
                if let Some(position) = move_of(event, pointer) {
                    if position.distance(start) > SLOP {
                        state.sample(position.y);
                        let current =
                            self.publish(layout, start_offset + start.y - position.y, shell);
                        state.gesture = Gesture::Dragging {
                            pointer,
                            start,
                            start_offset,
                            current,
                        };
                    }
                    shell.capture_event();
                } else if let Some(position) = release_of(event, pointer, cursor) {
                    state.gesture = Gesture::Idle;
                    shell.capture_event();
                    if !caught {
                        self.tap(
                            tree,
                            pointer,
                            position,
                            child_layout,
                            renderer,
                            clipboard,
                            shell,
                            viewport,
                        );
                    }
                } else if is_lost(event, pointer) {
                    state.gesture = Gesture::Idle;
                }
            }
            Gesture::Dragging {
                pointer,
                start,
                start_offset,
                current,
            } => {
                if let Some(position) = move_of(event, pointer) {
                    state.sample(position.y);
                    let current = self.publish(layout, start_offset + start.y - position.y, shell);
                    state.gesture = Gesture::Dragging {
                        pointer,
                        start,
                        start_offset,
                        current,
                    };
                    shell.capture_event();
                } else if release_of(event, pointer, cursor).is_some() || is_lost(event, pointer) {
                    let velocity = state.release_velocity();
                    state.gesture = if velocity.abs() >= MIN_FLICK {
                        shell.request_redraw();
                        Gesture::Gliding {
                            velocity,
                            last: None,
                            offset: current,
                        }
                    } else {
                        Gesture::Idle
                    };
                    shell.capture_event();
                }
            }
            Gesture::Gliding {
                velocity,
                last,
                offset: glide_offset,
            } => {
                if let Event::Window(window::Event::RedrawRequested(now)) = event {
                    let Some(last) = last else {
                        state.gesture = Gesture::Gliding {
                            velocity,
                            last: Some(*now),
                            offset: glide_offset,
                        };
                        shell.request_redraw();
                        return;
                    };
                    let dt = now.duration_since(last).as_secs_f32().min(0.1);
                    let next = glide_offset + velocity * dt;
                    let published = self.publish(layout, next, shell);
                    let velocity = velocity * (-FRICTION * dt).exp();
                    let at_edge = (published - next).abs() > 0.5;
                    state.gesture = if velocity.abs() < MIN_GLIDE || at_edge {
                        Gesture::Idle
                    } else {
                        shell.request_redraw();
                        Gesture::Gliding {
                            velocity,
                            last: Some(*now),
                            offset: published,
                        }
                    };
                    return;
                }
                self.forward(
                    tree,
                    event,
                    child_layout,
                    cursor,
                    renderer,
                    clipboard,
                    shell,
                    viewport,
                );
            }
            Gesture::Idle => {
                if let Event::Mouse(mouse::Event::WheelScrolled { delta }) = event
                    && cursor.is_over(bounds)
                {
                    let dy = match delta {
                        mouse::ScrollDelta::Lines { y, .. } => y * LINE,
                        mouse::ScrollDelta::Pixels { y, .. } => *y,
                    };
                    self.publish(layout, offset - dy, shell);
                    shell.capture_event();
                    return;
                }
                self.forward(
                    tree,
                    event,
                    child_layout,
                    cursor,
                    renderer,
                    clipboard,
                    shell,
                    viewport,
                );
            }
        }
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut Renderer,
        theme: &Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: amouse::Cursor,
        viewport: &Rectangle,
    ) {
        let bounds = layout.bounds();
        let Some(child) = layout.children().next() else {
            return;
        };
        let Some(visible) = bounds.intersection(viewport) else {
            return;
        };
        renderer.with_layer(visible, |renderer| {
            self.content.as_widget().draw(
                &tree.children[0],
                renderer,
                theme,
                style,
                child,
                cursor,
                &visible,
            );
        });
    }

    fn mouse_interaction(
        &self,
        _tree: &Tree,
        _layout: Layout<'_>,
        _cursor: amouse::Cursor,
        _viewport: &Rectangle,
        _renderer: &Renderer,
    ) -> amouse::Interaction {
        amouse::Interaction::None
    }
}

impl<Message, Theme, Renderer> TouchScroll<'_, Message, Theme, Renderer>
where
    Renderer: renderer::Renderer,
{
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        child: Layout<'_>,
        cursor: amouse::Cursor,
        renderer: &Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        self.content.as_widget_mut().update(
            &mut tree.children[0],
            event,
            child,
            cursor,
            renderer,
            clipboard,
            shell,
            viewport,
        );
    }

    /// Hands the content the press and release of a tap at `position`.
    #[allow(clippy::too_many_arguments)]
    fn tap(
        &mut self,
        tree: &mut Tree,
        pointer: Pointer,
        position: Point,
        child: Layout<'_>,
        renderer: &Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        let (down, up) = match pointer {
            Pointer::Finger(id) => (
                Event::Touch(touch::Event::FingerPressed { id, position }),
                Event::Touch(touch::Event::FingerLifted { id, position }),
            ),
            Pointer::Mouse => (
                Event::Mouse(mouse::Event::ButtonPressed(mouse::Button::Left)),
                Event::Mouse(mouse::Event::ButtonReleased(mouse::Button::Left)),
            ),
        };
        // A shell of its own: the outer one has the gesture's events captured, and a button
        // ignores an event that is already captured.
        let cursor = amouse::Cursor::Available(position);
        for event in [down, up] {
            let mut inner = Vec::new();
            let mut child_shell = Shell::new(&mut inner);
            self.forward(
                tree,
                &event,
                child,
                cursor,
                renderer,
                clipboard,
                &mut child_shell,
                viewport,
            );
            shell.merge(child_shell, |m| m);
        }
    }
}

impl<'a, Message, Theme, Renderer> From<TouchScroll<'a, Message, Theme, Renderer>>
    for Element<'a, Message, Theme, Renderer>
where
    Message: 'a,
    Theme: 'a,
    Renderer: renderer::Renderer + 'a,
{
    fn from(scroll: TouchScroll<'a, Message, Theme, Renderer>) -> Self {
        Element::new(scroll)
    }
}
