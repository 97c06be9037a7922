"""Interactive explorers: move a hyperparameter, watch the trajectory and the loss.

Two kinds, drawn by the same :class:`TrajectoryCanvas`:

- :func:`explorer`, live in Jupyter, Colab and Binder (``ipywidgets``)::

      optlib.widgets.explorer(optlib.sgd, lr=optlib.widgets.LogSlider(1e-3, 3, 0.1))

  Its picture is an ``ipywidgets.Image``, part of the widget state, so a page
  built without a kernel still shows the explorer's first picture.
- :func:`sweep_player`, for readers without a kernel: every value of a
  hyperparameter is run at once, drawn as a frame, and played by a few lines
  of self-contained HTML and JavaScript (a slider and a play button; no
  network, no kernel).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass
from typing import Callable

import ipywidgets as w
import numpy as np
import PIL.Image
from IPython.display import HTML
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg

from . import landscapes as _landscapes
from .plotting import (CONTOUR_COLOR, MINIMUM_STYLE, PALETTE, contour_levels, divergence_label,
                       new_figure, plain_log_axis)
from .running import run



def canvas_png(canvas, colors: int | None = None) -> bytes:
    """The PNG of what an Agg canvas holds: fast to encode (live redraws), or, with ``colors``,
    reduced to that many colours and compressed hard (frames stored in a page)."""
    buffer = io.BytesIO()
    width, height = canvas.get_width_height(physical=True)
    image = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba())
    if colors:
        image.convert("RGB").quantize(colors=colors, method=PIL.Image.Quantize.MEDIANCUT).save(
            buffer, format="png", optimize=True)
    else:
        image.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()

class TrajectoryCanvas:
    """A path-on-contours panel and a loss panel, redrawn fast by blitting.

    The moving parts (the path, its start, a divergence cross, the loss curve
    and a note) are drawn over a cached background; a full redraw, tick
    labels and all, happens only when the landscape or the loss axis changes.
    """

    def __init__(self, landscape, steps: int, *, width: float = 8.4, height: float = 3.4, dpi: int = 100):
        self.steps = steps
        self.fig, (self.ax_path, self.ax_loss) = new_figure(2, width=width, height=height)
        self.fig.set_dpi(dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        (self.path_line,) = self.ax_path.plot([], [], "-o", color=PALETTE[0], markersize=3)
        (self.start_dot,) = self.ax_path.plot([], [], "o", color=PALETTE[0], markeredgecolor="black")
        (self.cross,) = self.ax_path.plot([], [], "X", color=PALETTE[1], markersize=10,
                                          markeredgecolor="black", zorder=6)
        (self.minima,) = self.ax_path.plot([], [], **MINIMUM_STYLE)
        (self.loss_line,) = self.ax_loss.plot([], [], color=PALETTE[0])
        self.note = self.ax_loss.text(0.98, 0.95, "", transform=self.ax_loss.transAxes,
                                      ha="right", va="top", fontsize=9)
        self.ax_loss.set(yscale="log", xlabel="step $t$", ylabel=r"$f(\theta_t) - f^*$", xlim=(0, steps))
        plain_log_axis(self.ax_loss.yaxis)
        self.ax_path.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
        self.dynamic = (self.path_line, self.start_dot, self.cross, self.loss_line, self.note)
        self._contours = None
        self._background = None
        self._loss_limits = None
        self.set_landscape(landscape)

    def set_landscape(self, landscape) -> None:
        """Draw the contours and minima of ``landscape`` (a full redraw follows)."""
        self.landscape = landscape
        if self._contours is not None:
            self._contours.remove()
        (x0, x1), (y0, y1) = landscape.window
        X, Y = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
        Z = landscape.value(np.stack([X, Y], axis=-1))
        self._contours = self.ax_path.contour(X, Y, Z, levels=contour_levels(landscape),
                                              colors=CONTOUR_COLOR, linewidths=0.7,
                                              negative_linestyles="solid")
        self.minima.set_data(landscape.minima[:, 0], landscape.minima[:, 1])
        self.ax_path.set(xlim=(x0, x1), ylim=(y0, y1), title=landscape.name)
        self.ax_path.set_aspect("equal", adjustable="box")
        self.fig.set_layout_engine("constrained")     # lay the new window out once
        self._background = None

    def _draw_background(self) -> None:
        for artist in self.dynamic:
            artist.set_visible(False)
        self.canvas.draw()
        self.fig.set_layout_engine("none")            # then keep the axes where they are
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        for artist in self.dynamic:
            artist.set_visible(True)

    @staticmethod
    def loss_limits(gaps) -> tuple[float, float]:
        """Whole decades around the finite gaps, within [1e-16, 1e16]."""
        gaps = np.asarray(gaps, dtype=float)
        finite = gaps[np.isfinite(gaps)]
        decades = np.clip(np.log10([max(finite.min(), 1e-300), max(finite.max(), 1e-300)]), -16, 16)
        return 10.0 ** np.floor(decades[0]), 10.0 ** (np.ceil(decades[1]) + 0.3)

    def render(self, params, values, diverged_at: int, *, loss_limits=None, colors: int | None = None) -> bytes:
        """Draw one run (``params`` (T+1, 2), ``values`` (T+1,)) and return the PNG.

        By default the PNG is encoded for speed (live redraws); with ``colors``
        it is reduced to that many colours and compressed hard, about a quarter
        of the size, for frames stored in a page.
        """
        end = len(params) if diverged_at < 0 else diverged_at
        path = params[:end]
        gap = np.maximum(values[:end] - self.landscape.min_value, 1e-300)
        self.path_line.set_data(path[:, 0], path[:, 1])
        self.start_dot.set_data(path[:1, 0], path[:1, 1])
        shown = path[-1:] if diverged_at >= 0 else np.empty((0, 2))
        self.cross.set_data(shown[:, 0], shown[:, 1])
        self.loss_line.set_data(np.arange(end), gap)
        self.note.set_text(divergence_label("", diverged_at) or f"after {self.steps} steps: {gap[-1]:.2e}")
        limits = loss_limits or self.loss_limits(gap)
        if self._background is None or limits != self._loss_limits:
            self._loss_limits = limits
            self.ax_loss.set_ylim(*limits)
            self._draw_background()
        else:
            self.canvas.restore_region(self._background)
        for artist in self.dynamic:
            artist.axes.draw_artist(artist)
        return canvas_png(self.canvas, colors)


@dataclass(frozen=True)
class Slider:
    """A linear slider from ``low`` to ``high`` starting at ``value``."""

    low: float
    high: float
    value: float
    step: float | None = None

    def widget(self, name: str):
        step = self.step or (self.high - self.low) / 100
        return w.FloatSlider(value=self.value, min=self.low, max=self.high, step=step,
                             description=name, continuous_update=True, readout_format=".3g")


@dataclass(frozen=True)
class IntSlider:
    """A whole-number slider from ``low`` to ``high`` starting at ``value`` (for batch sizes)."""

    low: int
    high: int
    value: int

    def widget(self, name: str):
        return w.IntSlider(value=self.value, min=self.low, max=self.high, description=name,
                           continuous_update=True)


@dataclass(frozen=True)
class LogSlider:
    """A logarithmic slider from ``low`` to ``high`` starting at ``value`` (for learning rates)."""

    low: float
    high: float
    value: float

    def widget(self, name: str):
        return w.FloatLogSlider(value=self.value, base=10, min=np.log10(self.low),
                                max=np.log10(self.high), step=0.02, description=name,
                                continuous_update=True, readout_format=".3g")


class Explorer:
    """An optimizer explorer: a landscape menu, hyperparameter and start sliders,
    and a :class:`TrajectoryCanvas` redrawn as they move.

    Attributes:
        widget: the ``ipywidgets`` box to display.
        image: the ``ipywidgets.Image`` the figure is drawn into.
        controls: the hyperparameter widgets, by keyword.
    """

    def __init__(self, make_optimizer: Callable, controls: dict, *, landscapes=None, steps: int = 60,
                 run_controls: dict | None = None, run_options: dict | None = None):
        self.make_optimizer = make_optimizer
        self.steps = steps
        self.run_options = dict(run_options or {})
        self.landscapes = {f.name: f for f in (landscapes or _landscapes.catalogue().values())}
        first = next(iter(self.landscapes.values()))
        self.controls = {name: spec.widget(name) for name, spec in controls.items()}
        self.run_controls = {name: spec.widget(name) for name, spec in (run_controls or {}).items()}
        self.menu = w.Dropdown(options=list(self.landscapes), value=first.name, description="landscape")
        self.start_x = w.FloatSlider(description="θ₁ start", readout_format=".2f")
        self.start_y = w.FloatSlider(description="θ₂ start", readout_format=".2f")
        self.status = w.HTML()
        self.image = w.Image(format="png")   # no tooltip: html-manager 1.0.6 cannot draw an Image with one
        self.canvas = TrajectoryCanvas(first, steps)
        for control in (*self.controls.values(), *self.run_controls.values()):
            control.observe(lambda _: self.redraw(), names="value")
        self.menu.observe(lambda change: self.set_landscape(self.landscapes[change["new"]]), names="value")
        self.set_landscape(first)
        left = w.VBox([self.menu, *self.controls.values(), *self.run_controls.values(),
                       self.start_x, self.start_y, self.status], layout=w.Layout(min_width="320px"))
        self.image.layout = w.Layout(max_width="100%")
        # controls beside the picture where the page is wide enough, above it where not
        self.widget = w.HBox([left, self.image], layout=w.Layout(flex_flow="row wrap"))

    def set_landscape(self, landscape) -> None:
        """Switch landscape: new contours, start sliders over its window at its start."""
        self.canvas.set_landscape(landscape)
        for slider, (low, high), start in ((self.start_x, landscape.window[0], landscape.start[0]),
                                           (self.start_y, landscape.window[1], landscape.start[1])):
            slider.unobserve_all("value")
            slider.min, slider.max = min(low, slider.min), max(high, slider.max)
            slider.value = float(start)
            slider.min, slider.max, slider.step = low, high, (high - low) / 200
            slider.observe(lambda _: self.redraw(), names="value")
        self.redraw()

    def hyperparameters(self) -> dict:
        """The current value of every control, by keyword."""
        return {name: control.value for name, control in self.controls.items()}

    def compute(self):
        """Run the optimizer with the current settings; returns the trajectory."""
        opt = self.make_optimizer(**self.hyperparameters())
        start = np.array([self.start_x.value, self.start_y.value])
        options = {**self.run_options, **{name: c.value for name, c in self.run_controls.items()}}
        return run(opt, self.canvas.landscape, start, self.steps, on_divergence="record", **options)

    def redraw(self) -> None:
        """Recompute the trajectory and redraw the figure into the image."""
        try:
            traj = self.compute()
        except ValueError as error:          # an invalid combination of settings
            self.status.value = f"<b>Invalid settings:</b> {html.escape(str(error))}"
            return
        diverged_at = int(traj.diverged_at)
        self.status.value = (f"<span style='color:{PALETTE[1]}'>Diverged at step {diverged_at}: "
                             "the learning rate is too large here.</span>" if diverged_at >= 0 else "")
        self.image.value = self.canvas.render(traj.params, traj.values, diverged_at)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def explorer(make_optimizer: Callable, *, landscapes=None, steps: int = 60, run_controls=None,
             run_options=None, **controls) -> Explorer:
    """An explorer of ``make_optimizer``'s hyperparameters on the book's landscapes.

    Args:
        make_optimizer: a recipe such as ``optlib.sgd``; it is called with the
            controls' values as keywords.
        landscapes: the landscapes in the menu (default: every one); a
            two-parameter learning problem with a window works too
            (``optlib.problems.diabetes_two_features()``).
        steps: the number of updates drawn.
        run_controls: sliders for keywords of :func:`optlib.run` rather than of
            the optimizer, e.g. ``{"batch_size": IntSlider(1, 442, 8)}``.
        run_options: fixed keywords for :func:`optlib.run`, e.g. ``{"seed": 0}``.
        **controls: ``keyword=Slider(...)`` or ``LogSlider(...)``, one per
            hyperparameter to move.

    Example:
        >>> import optlib
        >>> from optlib.widgets import LogSlider, explorer
        >>> ex = explorer(optlib.sgd, lr=LogSlider(1e-3, 3.0, 0.1))
        >>> bytes(ex.image.value[:4])
        b'\\x89PNG'
    """
    return Explorer(make_optimizer, controls, landscapes=landscapes, steps=steps,
                    run_controls=run_controls, run_options=run_options)


_PLAYER = """<div class="optlib-player" id="{id}" style="max-width:{width}px">
<img id="{id}-img" src="{first}" alt="{alt}" style="width:100%">
<div style="display:flex;align-items:center;gap:0.6em">
<button type="button" id="{id}-play" aria-label="Play through the values" style="min-width:3em">&#9654;</button>
<input type="range" id="{id}-slider" min="0" max="{last}" value="0" step="1" style="flex:1"
 aria-label="{name}">
<output id="{id}-label" for="{id}-slider">{label}</output>
</div>
<script>
(function () {{
  var frames = {frames}, labels = {labels}, timer = null;
  var img = document.getElementById("{id}-img"), slider = document.getElementById("{id}-slider"),
      label = document.getElementById("{id}-label"), play = document.getElementById("{id}-play");
  function show(k) {{ img.src = frames[k]; label.textContent = labels[k]; slider.value = k; }}
  slider.addEventListener("input", function () {{ show(+slider.value); }});
  play.addEventListener("click", function () {{
    if (timer) {{ clearInterval(timer); timer = null; play.innerHTML = "&#9654;"; return; }}
    play.innerHTML = "&#10074;&#10074;";
    timer = setInterval(function () {{
      var k = +slider.value + 1;
      if (k >= frames.length) {{ clearInterval(timer); timer = null; play.innerHTML = "&#9654;"; return; }}
      show(k);
    }}, 600);
  }});
}})();
</script>
</div>"""


def sweep_player(make_optimizer: Callable, landscape, name: str, values, *, fixed=None, steps: int = 40,
                 start=None, label: str | None = None, dpi: int = 70, alt: str = "",
                 run_options: dict | None = None) -> HTML:
    """A player for readers without a kernel: one frame per value of a hyperparameter.

    All runs are computed at once (the values form a batch) and drawn as
    frames; a slider and a play button move through them, with no network
    and no kernel. Every frame shares the loss axis, so frames compare.

    Args:
        make_optimizer: a recipe such as ``optlib.sgd``.
        landscape: a 2-D landscape.
        name: the keyword swept (``"lr"``); ``values``: its values, one frame each.
        fixed: other keywords for the recipe.
        steps: updates per run.
        start: the start (default: the landscape's).
        label: the text beside the slider, a format string of ``value``
            (default ``"lr = {value:.3g}"``).
        alt: the alt text of the image, for screen readers.
        run_options: fixed keywords for :func:`optlib.run`, e.g.
            ``{"batch_size": 8, "seed": 0}`` for stochastic runs.

    Returns:
        an ``IPython.display.HTML`` player.
    """
    values = np.asarray(values, dtype=float)
    start = landscape.start if start is None else np.asarray(start, dtype=float)
    opt = make_optimizer(**{name: values[:, None]}, **(fixed or {}))
    traj = run(opt, landscape, np.tile(start, (len(values), 1)), steps, on_divergence="record",
               **(run_options or {}))
    canvas = TrajectoryCanvas(landscape, steps, width=8.0, height=3.2, dpi=dpi)
    limits = canvas.loss_limits(traj.values - landscape.min_value)
    frames = ["data:image/png;base64," + base64.b64encode(
        canvas.render(traj.params[:, k], traj.values[:, k], int(traj.diverged_at[k]),
                      loss_limits=limits, colors=32)
    ).decode() for k in range(len(values))]
    template = label or name + " = {value:.3g}"
    labels = [template.format(value=v) for v in values]
    player_id = "player-" + re.sub(r"\W+", "-", f"{getattr(make_optimizer, '__name__', 'opt')}-{name}-{landscape.name}")
    return HTML(_PLAYER.format(id=player_id, width=int(8.0 * dpi), first=frames[0], last=len(frames) - 1,
                               alt=html.escape(alt, quote=True), name=html.escape(name, quote=True),
                               label=html.escape(labels[0]), frames=json.dumps(frames),
                               labels=json.dumps(labels, ensure_ascii=False)))


class MomentumEigenExplorer:
    """The heavy ball's path beside the eigenvalues of its iteration matrices, live.

    Three panels, redrawn by blitting as the two sliders move: the path on the
    landscape's contours; the eigenvalues :math:`\\sigma` of
    :func:`optlib.analysis.momentum_matrix` for curvatures spread between
    :math:`\\lambda_1` and :math:`\\lambda_d` (grey), those of the two extreme
    directions marked, the unit circle and the circle of radius
    :math:`\\sqrt\\beta`; and the two extreme directions as points of the
    :math:`(\\eta\\lambda_i, \\beta)` plane, with the divergence line and the
    critical-damping curve. See :func:`momentum_eigen_explorer`.

    Attributes:
        widget: the ``ipywidgets`` box to display.
        image: the ``ipywidgets.Image`` the figure is drawn into.
        lr, momentum: the two sliders.
        description: an ``ipywidgets.HTML`` line saying in words what the
            picture shows (the rate and the kind of eigenvalues of each extreme
            direction), for readers who cannot see the image.
    """

    def __init__(self, landscape, *, steps: int = 40, lr: float = 1.0, momentum: float = 0.5,
                 dpi: int = 80):
        from . import analysis                      # imported here: analysis needs no widgets
        from .plotting import plot_landscape
        self._analysis = analysis
        self.landscape, self.steps = landscape, steps
        eigenvalues = np.asarray(landscape.eigenvalues, dtype=float)
        self.extremes = np.array([eigenvalues.min(), eigenvalues.max()])
        self._curvatures = np.linspace(*self.extremes, 60)
        fig, (ax_path, ax_sigma, ax_plane) = new_figure(3, width=12.0, height=3.9)
        fig.set_dpi(dpi)
        self.fig, self.canvas = fig, FigureCanvasAgg(fig)
        plot_landscape(landscape, ax_path, resolution=100)
        (self._path,) = ax_path.plot([], [], "-o", markersize=3, color=PALETTE[1])
        self._angle = np.linspace(0, 2 * np.pi, 200)
        ax_sigma.plot(np.cos(self._angle), np.sin(self._angle), color="#888888", linewidth=1)
        (self._ring,) = ax_sigma.plot([], [], ":", color="black", linewidth=1)
        (self._cloud,) = ax_sigma.plot([], [], ".", color="#aaaaaa", markersize=3)
        (self._low,) = ax_sigma.plot([], [], "o", color=PALETTE[0], label=r"$\lambda_1$")
        (self._high,) = ax_sigma.plot([], [], "s", color=PALETTE[1], label=r"$\lambda_d$")
        ax_sigma.set(xlim=(-1.3, 1.3), ylim=(-1.3, 1.3), xlabel=r"Re $\sigma$", ylabel=r"Im $\sigma$")
        ax_sigma.set_aspect("equal")
        ax_sigma.legend(loc="lower left", fontsize=8)
        x = np.linspace(0.0, 4.2, 300)
        ax_plane.plot(x[x >= 2], x[x >= 2] / 2 - 1, color="black", linewidth=1.2,
                      label=r"$\eta\lambda_i = 2 + 2\beta$")
        ax_plane.plot(x, analysis.critical_momentum(x, 1.0), "--", color="#555555", linewidth=1,
                      label="critical damping")
        (self._point_low,) = ax_plane.plot([], [], "o", color=PALETTE[0])     # as in the middle panel
        (self._point_high,) = ax_plane.plot([], [], "s", color=PALETTE[1])
        ax_plane.legend(loc="upper right", fontsize=8)
        ax_plane.set(xlim=(0, 4.2), ylim=(0, 1), xlabel=r"$\eta\lambda_i$", ylabel=r"$\beta$",
                     title=r"$(\eta\lambda_i, \beta)$ of the two directions")
        ax_path.set_title(" ")                      # room for two titles that change with the sliders
        ax_sigma.set_title(" ")
        self._titles = [ax.text(0.5, 1.0, "", transform=ax.title.get_transform(), ha="center",
                                va="baseline", fontsize=ax.title.get_fontsize())
                        for ax in (ax_path, ax_sigma)]
        self._dynamic = (self._path, self._ring, self._cloud, self._low, self._high,
                         self._point_low, self._point_high,
                         *self._titles)
        fig.set_layout_engine("constrained")
        for artist in self._dynamic:
            artist.set_visible(False)
        self.canvas.draw()                          # the static background, drawn once
        fig.set_layout_engine("none")
        self._background = self.canvas.copy_from_bbox(fig.bbox)
        for artist in self._dynamic:
            artist.set_visible(True)
        self.image = w.Image(format="png")
        self.image.layout = w.Layout(max_width="100%")
        self.lr = w.FloatLogSlider(value=lr, base=10, min=-2, max=np.log10(4.5), step=0.01,
                                   description="lr η", readout_format=".3g")
        self.momentum = w.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                      description="momentum β")
        self.description = w.HTML()
        for slider in (self.lr, self.momentum):
            slider.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([w.HBox([self.lr, self.momentum]), self.image, self.description])
        self.redraw()

    def compute(self):
        """Run ``optlib.sgd`` with the sliders' settings; returns the trajectory."""
        from .optimizers import sgd
        return run(sgd(lr=self.lr.value, momentum=self.momentum.value), self.landscape,
                   self.landscape.start, self.steps, on_divergence="record")

    def describe(self) -> str:
        """The picture in words: the rate, and each extreme direction's eigenvalues."""
        analysis, eta, beta = self._analysis, self.lr.value, self.momentum.value
        rate = float(analysis.momentum_rate(eta, beta, self.extremes))
        parts = [f"η = {eta:.3g}, β = {beta:.2f}: "
                 + (f"the error shrinks by {rate:.3f} per step." if rate < 1 else "the run diverges.")]
        for name, curvature in (("flattest", self.extremes[0]), ("steepest", self.extremes[1])):
            x = eta * curvature
            if not analysis.momentum_stable(eta, beta, curvature):
                kind = "outside the region 0 < ηλ < 2 + 2β, it diverges"
            elif beta > analysis.critical_momentum(eta, curvature):
                kind = f"complex eigenvalues of modulus √β = {np.sqrt(beta):.3f}, the error spirals"
            elif x < 1:
                kind = "real positive eigenvalues, overdamped"
            else:
                kind = "real negative eigenvalues, an alternating zig-zag"
            parts.append(f"The {name} direction (ηλ = {x:.3g}): {kind}.")
        return " ".join(parts)

    def redraw(self) -> None:
        """Recompute the run and the eigenvalues, and redraw the moving parts."""
        eta, beta = self.lr.value, self.momentum.value
        traj = self.compute()
        end = self.steps + 1 if traj.diverged_at < 0 else int(traj.diverged_at)
        self._path.set_data(traj.params[:end, 0], traj.params[:end, 1])
        sigma = np.linalg.eigvals(self._analysis.momentum_matrix(eta, beta, self._curvatures))
        self._cloud.set_data(sigma.real.ravel(), sigma.imag.ravel())
        self._low.set_data(sigma[0].real, sigma[0].imag)
        self._high.set_data(sigma[-1].real, sigma[-1].imag)
        self._ring.set_data(np.sqrt(beta) * np.cos(self._angle), np.sqrt(beta) * np.sin(self._angle))
        self._point_low.set_data([eta * self.extremes[0]], [beta])
        self._point_high.set_data([eta * self.extremes[1]], [beta])
        rate = float(self._analysis.momentum_rate(eta, beta, self.extremes))
        self._titles[0].set_text(f"rate {rate:.3f} per step" if rate < 1 else "diverges")
        self._titles[1].set_text(rf"eigenvalues of $R_i$; $\sqrt{{\beta}}$ = {np.sqrt(beta):.3f}")
        self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            self.fig.draw_artist(artist)
        self.image.value = canvas_png(self.canvas)
        self.description.value = html.escape(self.describe())

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def momentum_eigen_explorer(landscape=None, *, steps: int = 40, lr: float = 1.0,
                            momentum: float = 0.5, dpi: int = 80) -> MomentumEigenExplorer:
    r"""A live view of the heavy ball's path and the eigenvalues that govern it.

    On a quadratic, each eigen-direction of curvature :math:`\lambda_i` evolves
    by the matrix :math:`R_i` of :func:`optlib.analysis.momentum_matrix`, whose
    eigenvalues solve :math:`\sigma^2 - (1 + \beta - \eta\lambda_i)\sigma + \beta = 0`.
    They are complex, of modulus :math:`\sqrt\beta`, above the critical damping
    :math:`\beta = (1 - \sqrt{\eta\lambda_i})^2`, and the run converges when
    :math:`0 < \eta\lambda_i < 2 + 2\beta` for every :math:`i`. Two sliders
    (learning rate :math:`\eta`, momentum :math:`\beta`) move the path of
    ``optlib.sgd(lr=η, momentum=β)`` and these eigenvalues together; only the
    moving parts are redrawn, so a redraw takes a few tens of milliseconds.

    Args:
        landscape: a 2-D quadratic with ``eigenvalues`` (default: the book's
            gutter, :func:`optlib.landscapes.gutter` with :math:`\kappa = 20`).
        steps: the number of updates drawn.
        lr, momentum: the sliders' first values.
        dpi: the resolution of the picture.

    Returns:
        a :class:`MomentumEigenExplorer`; display it, or its ``widget``.

    Example:
        >>> from optlib.widgets import momentum_eigen_explorer
        >>> ex = momentum_eigen_explorer(lr=1.0, momentum=0.5)
        >>> bytes(ex.image.value[:4])
        b'\x89PNG'
        >>> print(ex.describe())  # doctest: +NORMALIZE_WHITESPACE
        η = 1, β = 0.50: the error shrinks by 0.885 per step.
        The flattest direction (ηλ = 0.05): real positive eigenvalues, overdamped.
        The steepest direction (ηλ = 1): complex eigenvalues of modulus √β = 0.707,
        the error spirals.
    """
    landscape = _landscapes.gutter(condition_number=20) if landscape is None else landscape
    return MomentumEigenExplorer(landscape, steps=steps, lr=lr, momentum=momentum, dpi=dpi)


#: The schedules of :func:`schedule_explorer`'s menu, in the order shown.
SCHEDULE_KINDS = ("constant", "step", "exponential", "cosine", "warm-up then cosine", "one-cycle")


def make_schedule(kind: str, lr, steps: int, *, warmup: int = 0, final: float = 0.01):
    r"""One of the book's schedules over a horizon of ``steps`` updates, from three numbers.

    Every kind starts from (or peaks at) ``lr`` and ends near ``final * lr``:

    - ``"constant"``: :math:`\gamma_t = \gamma_0` (``final`` is ignored);
    - ``"step"``: three equal stages, ``gamma`` = :math:`\sqrt{\text{final}}`;
    - ``"exponential"``: ``gamma`` = :math:`\text{final}^{1/(T-1)}`, so :math:`\gamma_{T-1} = \text{final}\cdot\gamma_0`;
    - ``"cosine"``: ``T_max`` = ``steps``, ``eta_min`` = ``final * lr``;
    - ``"warm-up then cosine"``: a linear warm-up from ``0.1 * lr`` over ``warmup``
      updates (at least 1), then cosine to ``final * lr``;
    - ``"one-cycle"``: ``pct_start`` = ``warmup / steps`` (at least one update),
      ``div_factor`` 25, and ``final_div_factor`` such that the last rate is ``final * lr``.

    Args:
        kind: one of :data:`SCHEDULE_KINDS`.
        lr: the peak rate :math:`\gamma_0` (a number or an array, as every schedule takes).
        steps: the horizon T, a whole number >= 4.
        warmup: the warm-up length for the two kinds that have one.
        final: the last rate as a fraction of ``lr``, in (0, 1].

    Returns:
        a schedule ``lr(count)`` of :mod:`optlib.schedules`.

    Example:
        >>> from optlib.widgets import make_schedule
        >>> schedule = make_schedule("cosine", 0.1, 100, final=0.01)
        >>> float(schedule(0)), round(float(schedule(100)), 6)
        (0.1, 0.001)
    """
    from . import schedules

    steps = int(steps)
    if kind == "constant":
        return schedules.constant(lr)
    if kind == "step":
        return schedules.step(lr, step_size=-(-steps // 3), gamma=final ** 0.5)
    if kind == "exponential":
        return schedules.exponential(lr, gamma=final ** (1 / (steps - 1)))
    if kind == "cosine":
        return schedules.cosine(lr, T_max=steps, eta_min=final * np.asarray(lr))
    if kind == "warm-up then cosine":
        return schedules.warmup_cosine(lr, max(int(warmup), 1), steps, start_factor=0.1,
                                       eta_min=final * np.asarray(lr))
    if kind == "one-cycle":
        pct = min(max(int(warmup), 1), steps - 2) / steps
        return schedules.one_cycle(lr, total_steps=steps, pct_start=pct, final_div_factor=1 / (25 * final))
    raise ValueError(f"kind must be one of {SCHEDULE_KINDS}; got {kind!r}")


class ScheduleExplorer:
    """A learning-rate schedule and the loss it gives, redrawn as the controls move.

    Two panels: the rate :math:`\\gamma_t` against the step, as a fraction of
    the peak (given in the title), and the loss gap :math:`f(\\theta_t) - f^\\star`
    of the run it drives, beside the run at the constant peak rate (grey, the
    same minibatches). See :func:`schedule_explorer`.

    Redrawn by blitting, like :class:`TrajectoryCanvas`: the axes, ticks and
    legend are a cached background, redrawn only when the loss axis needs
    other decades; the curves and the titles are drawn over it.

    Attributes:
        widget: the ``ipywidgets`` box to display.
        image: the ``ipywidgets.Image`` the figure is drawn into.
        kind, optimizer, lr, warmup, final: the controls.
        description: an ``ipywidgets.HTML`` line with the final gaps in words.
    """

    OPTIMIZERS = {"SGD": lambda lr: _sgd(lr=lr), "SGD, momentum 0.9": lambda lr: _sgd(lr=lr, momentum=0.9),
                  "Adam": lambda lr: _adam(lr=lr)}

    def __init__(self, objective, *, steps: int = 300, batch_size: int | None = None, seed=0, start=None,
                 min_value=None, kind: str = "warm-up then cosine", optimizer: str = "SGD",
                 lr: float = 0.1, warmup: int = 30, final: float = 0.01, lr_range=(1e-3, 3.0),
                 dpi: int = 80):
        self.objective, self.steps = objective, int(steps)
        self.run_options = {"batch_size": batch_size, "seed": seed, "on_divergence": "record"}
        dim = getattr(objective, "dim", None) or len(objective.start)
        self.start = np.zeros(dim) if start is None else np.asarray(start, dtype=float)
        if min_value is None:
            min_value = (float(objective.value(objective.solution)) if hasattr(objective, "solution")
                         else float(getattr(objective, "min_value", 0.0)))
        self.min_value = min_value
        self.fig, (self.ax_lr, self.ax_loss) = new_figure(2, width=9.0, height=3.4)
        self.fig.set_dpi(dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        (self.lr_line,) = self.ax_lr.plot([], [], color=PALETTE[0])
        (self.reference_line,) = self.ax_loss.plot([], [], color="#999999", linewidth=1,
                                                   label="constant peak rate")
        (self.loss_line,) = self.ax_loss.plot([], [], color=PALETTE[0], label="schedule")
        self.ax_lr.set(xlabel="step $t$", ylabel=r"$\gamma_t$ / peak", xlim=(0, self.steps), ylim=(0, 1.08))
        # titles as texts over the cached background, in the room that blank titles reserve
        self.titles = [ax.text(0.5, 1.01, "", transform=ax.transAxes, ha="center", va="bottom",
                               fontsize=rcParams["axes.titlesize"]) for ax in (self.ax_lr, self.ax_loss)]
        for ax in (self.ax_lr, self.ax_loss):
            ax.set_title(" ")
        self.dynamic = (self.lr_line, self.reference_line, self.loss_line, *self.titles)
        self._background, self._loss_limits = None, None
        self.ax_loss.set(xlabel="step $t$", ylabel=r"$f(\theta_t) - f^\star$", yscale="log",
                         xlim=(0, self.steps))
        plain_log_axis(self.ax_loss.yaxis)
        self.ax_loss.legend(loc="upper right", fontsize=8)
        self.image = w.Image(format="png")
        self.image.layout = w.Layout(max_width="100%")
        self.kind = w.Dropdown(options=list(SCHEDULE_KINDS), value=kind, description="schedule")
        self.optimizer = w.Dropdown(options=list(self.OPTIMIZERS), value=optimizer, description="optimizer")
        self.lr = w.FloatLogSlider(value=lr, base=10, min=np.log10(lr_range[0]), max=np.log10(lr_range[1]),
                                   step=0.02, description="peak lr", readout_format=".3g")
        self.warmup = w.IntSlider(value=warmup, min=1, max=self.steps // 2, description="warm-up")
        self.final = w.FloatLogSlider(value=final, base=10, min=-4, max=0, step=0.05,
                                      description="final / peak", readout_format=".2g")
        self.description = w.HTML()
        for control in (self.kind, self.optimizer, self.lr, self.warmup, self.final):
            control.observe(lambda _: self.redraw(), names="value")
        controls = w.VBox([self.kind, self.optimizer, self.lr, self.warmup, self.final],
                          layout=w.Layout(min_width="320px"))
        self.widget = w.VBox([w.HBox([controls, self.image], layout=w.Layout(flex_flow="row wrap")),
                              self.description])
        self.redraw()

    def schedule(self):
        """The schedule the controls describe (:func:`make_schedule`)."""
        return make_schedule(self.kind.value, self.lr.value, self.steps, warmup=self.warmup.value,
                             final=self.final.value)

    def compute(self):
        """The rates, the scheduled run and the constant-rate run, as ``(rates, run, reference)``."""
        schedule = self.schedule()
        rates = np.array([float(schedule(k)) for k in range(self.steps)])
        make = self.OPTIMIZERS[self.optimizer.value]
        traj = run(make(schedule), self.objective, self.start, self.steps, **self.run_options)
        reference = run(make(self.lr.value), self.objective, self.start, self.steps, **self.run_options)
        return rates, traj, reference

    def redraw(self) -> None:
        """Recompute both runs and redraw the two panels into the image."""
        rates, traj, reference = self.compute()
        t = np.arange(self.steps + 1)
        self.lr_line.set_data(np.arange(self.steps), rates / self.lr.value)
        gaps = []
        for line, trajectory in ((self.loss_line, traj), (self.reference_line, reference)):
            gap = np.maximum(trajectory.values - self.min_value, 1e-16)
            line.set_data(t, gap)
            gaps.append(gap)
        self.titles[0].set_text(f"{self.kind.value}, peak {self.lr.value:.3g}")

        def said(trajectory):
            if trajectory.diverged_at >= 0:
                return f"diverged at step {int(trajectory.diverged_at)}"
            return f"{trajectory.values[-1] - self.min_value:.2e}"

        self.titles[1].set_text(f"after {self.steps} steps: {said(traj)} (constant: {said(reference)})")
        # whole decades, within [1e-16, 1e16] (a diverging run leaves the axis at the top)
        limits = TrajectoryCanvas.loss_limits(np.concatenate(gaps))
        if self._background is None or limits != self._loss_limits:
            self._loss_limits = limits
            self.ax_loss.set_ylim(*limits)
            for artist in self.dynamic:
                artist.set_visible(False)
            self.canvas.draw()
            self.fig.set_layout_engine("none")          # laid out once; then the axes stay put
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            for artist in self.dynamic:
                artist.set_visible(True)
        else:
            self.canvas.restore_region(self._background)
        for artist in self.dynamic:
            artist.axes.draw_artist(artist)
        self.image.value = canvas_png(self.canvas)
        self.description.value = html.escape(
            f"{self.optimizer.value} with a {self.kind.value} schedule peaking at {self.lr.value:.3g}: "
            f"the loss gap after {self.steps} steps is {said(traj)}; at the constant rate "
            f"{self.lr.value:.3g} it is {said(reference)}.")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _sgd(**kwargs):
    from .optimizers import sgd
    return sgd(**kwargs)


def _adam(**kwargs):
    from .optimizers import adam
    return adam(**kwargs)


def schedule_explorer(objective=None, *, steps: int = 300, batch_size: int | None = 8, seed=0, start=None,
                      min_value=None, kind: str = "warm-up then cosine", optimizer: str = "SGD",
                      lr: float = 0.1, warmup: int = 30, final: float = 0.01, lr_range=(1e-3, 3.0),
                      dpi: int = 80) -> ScheduleExplorer:
    r"""A live explorer of learning-rate schedules: pick one, see its rates and its loss.

    A menu picks the schedule (:data:`SCHEDULE_KINDS`, built by
    :func:`make_schedule`) and the optimizer (SGD, SGD with momentum 0.9, Adam);
    sliders set the peak rate, the warm-up length and the final rate as a
    fraction of the peak. The left panel draws :math:`\gamma_t` as a fraction of
    the peak, the right one
    the loss gap of the run it drives, beside the run at the constant peak rate
    with the same minibatches (grey).

    Args:
        objective: a learning problem (default: the breast-cancer logistic
            regression of :func:`optlib.problems.breast_cancer_classification`
            with ``l2=0.1``).
        steps: the horizon T, the same for the schedule and the runs.
        batch_size, seed: minibatches for :func:`optlib.run` (``None``: full gradients).
        start: the start (default: zeros).
        min_value: :math:`f^\star` (default: the value at ``objective.solution``).
        kind, optimizer, lr, warmup, final: the controls' first values.
        lr_range: the range of the peak-rate slider.
        dpi: the resolution of the picture.

    Returns:
        a :class:`ScheduleExplorer`; display it, or its ``widget``.

    Example:
        >>> from optlib.widgets import schedule_explorer
        >>> ex = schedule_explorer(steps=60)
        >>> bytes(ex.image.value[:4])
        b'\x89PNG'
        >>> ex.kind.value = "constant"
        >>> float(np.ptp(ex.lr_line.get_ydata()))
        0.0
    """
    if objective is None:
        from .problems import breast_cancer_classification
        objective = breast_cancer_classification(l2=0.1)
    return ScheduleExplorer(objective, steps=steps, batch_size=batch_size, seed=seed, start=start,
                            min_value=min_value, kind=kind, optimizer=optimizer, lr=lr, warmup=warmup,
                            final=final, lr_range=lr_range, dpi=dpi)


def frame_player(figures, labels, *, name: str = "frame", alt: str = "", dpi: int = 70,
                 player_id: str = "frames") -> HTML:
    """A player for readers without a kernel, of figures drawn in advance: one frame per figure.

    The general form of :func:`sweep_player`: any sequence of matplotlib
    figures (all of the same size) becomes PNG frames that a slider and a
    play button move through, in a few lines of self-contained HTML and
    JavaScript (no network, no kernel). The figures are drawn as the sequence
    yields them, so a generator may update one figure between frames, which
    is much faster than making a figure per frame. Every figure is closed at
    the end.

    Args:
        figures: matplotlib figures, one per frame.
        labels: the text shown beside the slider for each frame.
        name: what the slider moves through, for screen readers.
        alt: the alt text of the image.
        dpi: the resolution of the frames.
        player_id: a prefix for the HTML ids (unique within the page).

    Returns:
        an ``IPython.display.HTML`` player.

    Example:
        >>> from optlib.plotting import new_figure
        >>> def frame(k):
        ...     fig, ax = new_figure()
        ...     ax.plot([0, 1], [0, k])
        ...     return fig
        >>> player = frame_player([frame(k) for k in range(3)], ["k = 0", "k = 1", "k = 2"],
        ...                       name="k", alt="a line of slope k", player_id="demo")
        >>> player.data.count("data:image/png;base64,") >= 3
        True
    """
    import matplotlib.pyplot as plt

    labels = [str(label) for label in labels]
    frames, width, drawn = [], None, {}
    for fig in figures:                 # drawn as they come: a generator may redraw one figure
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        width = width or int(fig.get_figwidth() * dpi)
        frames.append("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
        drawn[id(fig)] = fig
    for fig in drawn.values():
        plt.close(fig)
    if not frames or len(frames) != len(labels):
        raise ValueError(f"need one label per figure; got {len(frames)} figures and {len(labels)} labels")
    player = "player-" + re.sub(r"\W+", "-", str(player_id))
    return HTML(_PLAYER.format(id=player, width=width, first=frames[0], last=len(frames) - 1,
                               alt=html.escape(alt, quote=True), name=html.escape(name, quote=True),
                               label=html.escape(labels[0]), frames=json.dumps(frames),
                               labels=json.dumps(labels, ensure_ascii=False)))
