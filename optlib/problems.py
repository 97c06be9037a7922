r"""Learning problems on real data, with losses and gradients in numpy.

The data ship inside scikit-learn (no download at run time). Each problem has
batched ``value(theta)`` and ``grad(theta)`` over the last axis of ``theta``,
like the landscapes, so :func:`optlib.run` and every plotting helper take
them as they are. For stochastic methods each also has
``minibatch_grad(theta, indices)``, the gradient of the loss on the examples
``indices`` only (one set of indices per run of a batch), and
``example_grads(theta)``, the gradient of every single example's loss.

Example:
    >>> import numpy as np
    >>> problem = diabetes_regression()
    >>> problem.value(np.zeros(problem.dim)).round(1)
    np.float64(14537.2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def standardize(X: np.ndarray) -> np.ndarray:
    """Centre each column and scale it to unit standard deviation."""
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)


def with_intercept(X: np.ndarray) -> np.ndarray:
    """Append a column of ones, so that the last parameter is the intercept."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


@dataclass(frozen=True)
class LeastSquares:
    r"""Linear least squares :math:`f(\theta) = \frac{1}{2n}\lVert X\theta - y\rVert^2`.

    Its Hessian :math:`H = X^\top X / n` is constant, so the quadratic theory
    of gradient descent applies exactly.

    A problem with two parameters and a ``window`` can be drawn and explored
    like a landscape (:func:`diabetes_two_features`).

    Attributes:
        X: the design matrix, shape ``(n, d)``.
        y: the targets, shape ``(n,)``.
        name: for legends.
        window: for d = 2, the plotting window ``((x_min, x_max), (y_min, y_max))``.
        start: a default starting point.
    """

    X: np.ndarray
    y: np.ndarray
    name: str = "least squares"
    window: tuple | None = None
    start: np.ndarray | None = None
    log_levels: bool = False
    eigenvalues: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "eigenvalues", np.linalg.eigvalsh(self.hessian))

    @property
    def n(self) -> int:
        """The number of examples."""
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        """The number of parameters d."""
        return self.X.shape[1]

    @property
    def hessian(self) -> np.ndarray:
        r""":math:`X^\top X / n`."""
        return self.X.T @ self.X / self.n

    @property
    def L(self) -> float:
        """The smoothness constant: the largest eigenvalue of the Hessian."""
        return float(self.eigenvalues[-1])

    @property
    def mu(self) -> float:
        """The strong-convexity constant: the smallest eigenvalue of the Hessian."""
        return float(self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        """κ = L / μ."""
        return self.L / self.mu

    @property
    def solution(self) -> np.ndarray:
        r"""The minimiser :math:`\theta^*`, by a direct solve."""
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    @property
    def min_value(self) -> float:
        """f(θ*)."""
        return float(self.value(self.solution))

    @property
    def minima(self) -> np.ndarray:
        """θ* as a one-row array, as landscapes list their minima."""
        return self.solution[None, :]

    def distance_to_minimum(self, theta) -> np.ndarray:
        """‖θ - θ*‖ over the last axis."""
        return np.linalg.norm(np.asarray(theta, dtype=float) - self.solution, axis=-1)

    def residuals(self, theta) -> np.ndarray:
        return np.asarray(theta, dtype=float) @ self.X.T - self.y

    def value(self, theta) -> np.ndarray:
        r = self.residuals(theta)
        return 0.5 * np.mean(r * r, axis=-1)

    def grad(self, theta) -> np.ndarray:
        return self.residuals(theta) @ self.X / self.n

    def minibatch_grad(self, theta, indices) -> np.ndarray:
        """The gradient of the loss on the examples ``indices`` (shape ``(..., b)``)."""
        Xb, yb = self.X[indices], self.y[indices]                       # (..., b, d), (..., b)
        residuals = np.einsum("...bd,...d->...b", Xb, np.asarray(theta, dtype=float)) - yb
        return np.einsum("...b,...bd->...d", residuals, Xb) / np.shape(indices)[-1]

    def example_grads(self, theta) -> np.ndarray:
        """The gradient of each example's loss ½(x_iᵀθ - y_i)² at one θ, shape ``(n, d)``."""
        return self.residuals(theta)[:, None] * self.X


@dataclass(frozen=True)
class LogisticRegression:
    r"""Logistic regression: mean cross-entropy plus an optional L2 penalty.

    .. math::
        f(\theta) = \frac1n \sum_i \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr]
                    + \frac{\lambda}{2}\lVert\theta\rVert^2, \qquad z = X\theta,\ y_i \in \{0, 1\}.

    Attributes:
        X: the design matrix, shape ``(n, d)``.
        y: labels in {0, 1}, shape ``(n,)``.
        l2: the penalty :math:`\lambda \ge 0`.
    """

    X: np.ndarray
    y: np.ndarray
    l2: float = 0.0
    name: str = "logistic regression"

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @property
    def L(self) -> float:
        r"""A smoothness constant: :math:`\lambda_{\max}(X^\top X)/(4n) + \lambda` (σ' ≤ 1/4)."""
        return float(np.linalg.eigvalsh(self.X.T @ self.X)[-1] / (4 * self.n) + self.l2)

    @property
    def mu(self) -> float:
        r"""A strong-convexity constant: :math:`\lambda` (the loss itself is only convex)."""
        return float(self.l2)

    def logits(self, theta) -> np.ndarray:
        return np.asarray(theta, dtype=float) @ self.X.T

    def probabilities(self, theta) -> np.ndarray:
        r""":math:`\sigma(X\theta)`, computed without overflow."""
        return 0.5 * (1 + np.tanh(0.5 * self.logits(theta)))

    def hessian(self, theta) -> np.ndarray:
        r""":math:`X^\top \mathrm{diag}(\sigma(1-\sigma)) X / n + \lambda I` at one ``theta`` of shape (d,)."""
        p = self.probabilities(theta)
        return (self.X.T * (p * (1 - p))) @ self.X / self.n + self.l2 * np.eye(self.dim)

    @property
    def solution(self) -> np.ndarray:
        """The minimiser θ*, by Newton's method (needs ``l2 > 0`` to exist).

        Raises:
            ValueError: if ``l2 == 0`` (on separable data the loss has no minimiser).
        """
        if self.l2 <= 0:
            raise ValueError("the unregularised logistic loss may have no minimiser; use l2 > 0")
        theta = np.zeros(self.dim)
        for _ in range(100):
            step = np.linalg.solve(self.hessian(theta), self.grad(theta))
            theta = theta - step
            if np.linalg.norm(step) <= 1e-13 * (1 + np.linalg.norm(theta)):
                break
        return theta

    @property
    def min_value(self) -> float:
        """f(θ*)."""
        return float(self.value(self.solution))

    def value(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        z = self.logits(theta)
        loss = np.mean(np.logaddexp(0.0, z) - self.y * z, axis=-1)
        return loss + 0.5 * self.l2 * np.sum(theta * theta, axis=-1)

    def grad(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        return (self.probabilities(theta) - self.y) @ self.X / self.n + self.l2 * theta

    def minibatch_grad(self, theta, indices) -> np.ndarray:
        """The gradient of the loss (penalty included) on the examples ``indices`` (shape ``(..., b)``)."""
        theta = np.asarray(theta, dtype=float)
        Xb, yb = self.X[indices], self.y[indices]
        p = 0.5 * (1 + np.tanh(0.5 * np.einsum("...bd,...d->...b", Xb, theta)))
        return np.einsum("...b,...bd->...d", p - yb, Xb) / np.shape(indices)[-1] + self.l2 * theta

    def example_grads(self, theta) -> np.ndarray:
        """The gradient of each example's loss (penalty included) at one θ, shape ``(n, d)``."""
        theta = np.asarray(theta, dtype=float)
        return (self.probabilities(theta) - self.y)[:, None] * self.X + self.l2 * theta

    def accuracy(self, theta) -> np.ndarray:
        """The fraction of examples classified correctly (threshold at z = 0)."""
        return np.mean((self.logits(theta) > 0) == (self.y == 1), axis=-1)


@dataclass(frozen=True)
class SoftmaxRegression:
    r"""Multinomial logistic regression: mean cross-entropy over K classes plus an L2 penalty.

    The parameters are a weight matrix :math:`W` of shape ``(d, K)`` flattened
    into a vector of length ``d * K`` (so that every optimizer sees a vector):

    .. math::
        f(\theta) = \frac1n \sum_i \Bigl[\log \sum_k e^{z_{ik}} - z_{i y_i}\Bigr]
                    + \frac{\lambda}{2}\lVert\theta\rVert^2, \qquad z = X W .

    Attributes:
        X: the design matrix, shape ``(n, d)``.
        y: labels in {0, ..., K-1}, shape ``(n,)``.
        classes: K.
        l2: the penalty :math:`\lambda \ge 0`.
    """

    X: np.ndarray
    y: np.ndarray
    classes: int
    l2: float = 0.0
    name: str = "softmax regression"

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        """The number of parameters, d * K."""
        return self.X.shape[1] * self.classes

    def weights(self, theta) -> np.ndarray:
        """θ as weight matrices, shape ``(..., d, K)``."""
        theta = np.asarray(theta, dtype=float)
        return theta.reshape(theta.shape[:-1] + (self.X.shape[1], self.classes))

    def _loss_and_grad(self, theta, X, y, *, with_grad: bool = True):
        """The mean cross-entropy on (X, y) and, if ``with_grad``, its gradient (else None)."""
        logits = X @ self.weights(theta)                                 # (..., m, K)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        log_p = shifted - log_norm
        onehot = np.eye(self.classes)[y]                                 # (..., m, K)
        loss = -np.mean(np.sum(onehot * log_p, axis=-1), axis=-1)
        if not with_grad:
            return loss, None
        grad_w = np.swapaxes(X, -1, -2) @ (np.exp(log_p) - onehot) / X.shape[-2]
        return loss, grad_w.reshape(grad_w.shape[:-2] + (-1,))

    def value(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        loss, _ = self._loss_and_grad(theta, self.X, self.y, with_grad=False)
        return loss + 0.5 * self.l2 * np.sum(theta * theta, axis=-1)

    def grad(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        return self._loss_and_grad(theta, self.X, self.y)[1] + self.l2 * theta

    def minibatch_grad(self, theta, indices) -> np.ndarray:
        """The gradient of the loss (penalty included) on the examples ``indices`` (shape ``(..., b)``)."""
        theta = np.asarray(theta, dtype=float)
        return self._loss_and_grad(theta, self.X[indices], self.y[indices])[1] + self.l2 * theta

    def example_grads(self, theta) -> np.ndarray:
        """The gradient of each example's loss (penalty included) at one θ, shape ``(n, d*K)``."""
        theta = np.asarray(theta, dtype=float)
        return self.minibatch_grad(np.broadcast_to(theta, (self.n, theta.shape[-1])),
                                   np.arange(self.n)[:, None])

    def predict(self, theta) -> np.ndarray:
        """The most probable class of each example."""
        return np.argmax(self.X @ self.weights(theta), axis=-1)

    def accuracy(self, theta) -> np.ndarray:
        """The fraction of examples classified correctly."""
        return np.mean(self.predict(theta) == self.y, axis=-1)


def diabetes_regression() -> LeastSquares:
    """Least squares on scikit-learn's diabetes data (442 patients, 10 features,
    standardised, plus an intercept): predict disease progression after a year."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return LeastSquares(with_intercept(standardize(X)), np.asarray(y, dtype=float),
                        name="diabetes (least squares)")


def breast_cancer_classification(l2: float = 0.0) -> LogisticRegression:
    """Logistic regression on scikit-learn's breast-cancer data (569 tumours,
    30 features, standardised, plus an intercept): malignant (0) or benign (1)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return LogisticRegression(with_intercept(standardize(X)), np.asarray(y, dtype=float), l2=l2,
                              name="breast cancer (logistic regression)")


def digits_classification(l2: float = 1e-3) -> SoftmaxRegression:
    """Softmax regression on scikit-learn's handwritten digits (1797 images of
    8x8 pixels, 10 classes; pixel intensities scaled to [0, 1], plus an intercept)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return SoftmaxRegression(with_intercept(X / 16.0), np.asarray(y), classes=10, l2=l2,
                             name="digits (softmax regression)")


def diabetes_two_features() -> LeastSquares:
    """Least squares with two parameters on real data, to draw and explore like a landscape.

    Predicts the diabetes data's disease progression from body-mass index and
    the serum measurement s5, all three standardised (so no intercept is
    needed): f(θ) = (1/2n)‖θ₁ bmi + θ₂ s5 - y‖². The two features are
    correlated, so the bowl is elongated.
    """
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    columns = [data.feature_names.index("bmi"), data.feature_names.index("s5")]
    X = standardize(data.data[:, columns])
    y = (data.target - data.target.mean()) / data.target.std()
    return LeastSquares(X, y, name="diabetes: bmi and s5", window=((-1.0, 1.6), (-1.0, 1.6)),
                        start=np.array([-0.8, 1.3]))


def zipf_frequencies(d: int, max_frequency: float = 0.5, exponent: float = 1.0) -> np.ndarray:
    r"""Feature frequencies that fall like a power of the rank, as word frequencies do.

    .. math:: p_i = p_{\max}\, i^{-a}, \qquad i = 1, \dots, d,

    so the first features are frequent and the last rare; :math:`a = 0` makes
    every feature equally frequent (dense data).

    Args:
        d: the number of features.
        max_frequency: :math:`p_{\max} \in (0, 1]`, the frequency of the first feature.
        exponent: :math:`a \ge 0`.

    Example:
        >>> zipf_frequencies(4)
        array([0.5       , 0.25      , 0.16666667, 0.125     ])
    """
    if not 0 < max_frequency <= 1 or exponent < 0 or int(d) != d or d < 1:
        raise ValueError(f"need d >= 1, 0 < max_frequency <= 1 and exponent >= 0; got d={d!r}, "
                         f"max_frequency={max_frequency!r}, exponent={exponent!r}")
    return max_frequency / np.arange(1, int(d) + 1, dtype=float) ** exponent


def sparse_classification(n: int = 1000, d: int = 50, *, max_frequency: float = 0.5,
                          exponent: float = 1.0, weight_scale: float = 2.0, l2: float = 1e-3,
                          seed=0) -> LogisticRegression:
    r"""Logistic regression on synthetic sparse binary features, like bag-of-words data.

    Each of the ``n`` examples has ``d`` binary features plus an intercept.
    Feature i is on (:math:`x_i = 1`) independently with probability
    :math:`p_i` of :func:`zipf_frequencies`, else off (0): a few features
    are frequent, most are rare. The true weights are
    :math:`w_i \sim \mathcal N(0, s^2)` (the intercept's is 0), and each label
    is drawn from the logistic model, :math:`y \sim \text{Bernoulli}(\sigma(x^\top w))`.
    The loss is :class:`LogisticRegression`'s, with the penalty ``l2`` (so
    that a minimiser exists even where a rare feature separates the data).

    Args:
        n: the number of examples.
        d: the number of features (the problem has d + 1 parameters).
        max_frequency, exponent: the frequencies, as in :func:`zipf_frequencies`.
        weight_scale: :math:`s`, the spread of the true weights.
        l2: the penalty :math:`\lambda \ge 0`.
        seed: seeds the generator of features, weights and labels.

    Example:
        >>> problem = sparse_classification(n=200, d=10, seed=0)
        >>> problem.X.shape, problem.dim
        ((200, 11), 11)
        >>> bool(problem.X[:, 0].mean() > problem.X[:, 9].mean())   # feature 1 is frequent, 10 rare
        True
    """
    rng = np.random.default_rng(seed)
    p = zipf_frequencies(d, max_frequency, exponent)
    X = with_intercept((rng.random((n, d)) < p).astype(float))
    w = np.append(rng.normal(scale=weight_scale, size=d), 0.0)
    probability = 0.5 * (1 + np.tanh(0.5 * (X @ w)))
    y = (rng.random(n) < probability).astype(float)
    kind = "sparse" if exponent > 0 else "dense"
    return LogisticRegression(X, y, l2=l2, name=f"{kind} features (logistic regression)")


@dataclass(frozen=True)
class MLPClassifier:
    r"""A one-hidden-layer perceptron for classification, with backpropagation in numpy.

    .. math::
        h = \tanh(x W_1 + b_1), \qquad z = h W_2 + b_2, \qquad
        f(\theta) = \frac1n \sum_i \Bigl[\log \sum_k e^{z_{ik}} - z_{i y_i}\Bigr]
                    + \frac{\lambda}{2}\lVert\theta\rVert^2,

    with :math:`\theta` the four arrays flattened into one vector (so that
    every optimizer sees a vector) and batched over leading axes like every
    problem: ``theta`` of shape ``(B, dim)`` evaluates B networks at once.

    Attributes:
        X: inputs, shape ``(n, d)``.
        y: labels in {0, ..., K-1}.
        hidden: the width of the hidden layer.
        classes: K.
        l2: the penalty :math:`\lambda \ge 0`.
    """

    X: np.ndarray
    y: np.ndarray
    hidden: int
    classes: int
    l2: float = 0.0
    name: str = "multilayer perceptron"

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def shapes(self) -> tuple:
        """The shapes of W₁, b₁, W₂, b₂."""
        d, h, k = self.X.shape[1], self.hidden, self.classes
        return (d, h), (h,), (h, k), (k,)

    @property
    def dim(self) -> int:
        return sum(int(np.prod(s)) for s in self.shapes)

    def unpack(self, theta) -> list[np.ndarray]:
        """W₁, b₁, W₂, b₂ from θ of shape ``(..., dim)``."""
        theta = np.asarray(theta, dtype=float)
        parts, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape))
            parts.append(theta[..., start:start + size].reshape(theta.shape[:-1] + shape))
            start += size
        return parts

    def initial_params(self, seed=0, batch_shape=()) -> np.ndarray:
        """Glorot-uniform weights and zero biases, seeded; shape ``batch_shape + (dim,)``."""
        rng = np.random.default_rng(seed)
        parts = []
        for shape in self.shapes:
            if len(shape) == 2:
                limit = np.sqrt(6.0 / (shape[0] + shape[1]))
                parts.append(rng.uniform(-limit, limit, size=tuple(batch_shape) + shape))
            else:
                parts.append(np.zeros(tuple(batch_shape) + shape))
        return np.concatenate([p.reshape(tuple(batch_shape) + (-1,)) for p in parts], axis=-1)

    def _forward(self, theta, X):
        W1, b1, W2, b2 = self.unpack(theta)
        hidden = np.tanh(X @ W1 + b1[..., None, :])
        logits = hidden @ W2 + b2[..., None, :]
        return hidden, logits

    def _loss_and_grad(self, theta, X, y, *, with_grad: bool = True):
        """The mean cross-entropy on (X, y) and, if ``with_grad``, its gradient by backpropagation (else None)."""
        W1, b1, W2, b2 = self.unpack(theta)
        hidden, logits = self._forward(theta, X)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        onehot = np.eye(self.classes)[y]
        loss = -np.mean(np.sum(onehot * log_p, axis=-1), axis=-1)
        if not with_grad:
            return loss, None
        d_logits = (np.exp(log_p) - onehot) / X.shape[-2]             # (..., m, K)
        d_hidden = (d_logits @ np.swapaxes(W2, -1, -2)) * (1 - hidden * hidden)
        grads = [np.swapaxes(X, -1, -2) @ d_hidden, d_hidden.sum(axis=-2),
                 np.swapaxes(hidden, -1, -2) @ d_logits, d_logits.sum(axis=-2)]
        batch = np.shape(theta)[:-1]
        grads = [np.broadcast_to(g, batch + g.shape[len(g.shape) - len(s):]) for g, s in zip(grads, self.shapes)]
        return loss, np.concatenate([g.reshape(batch + (-1,)) for g in grads], axis=-1)

    # the penalised loss and its gradients: the same as the softmax regression's, around this
    # class's own _loss_and_grad
    value = SoftmaxRegression.value
    grad = SoftmaxRegression.grad
    minibatch_grad = SoftmaxRegression.minibatch_grad

    def predict(self, theta) -> np.ndarray:
        """The most probable class of each example."""
        return np.argmax(self._forward(np.asarray(theta, dtype=float), self.X)[1], axis=-1)

    def accuracy(self, theta) -> np.ndarray:
        """The fraction of examples classified correctly."""
        return np.mean(self.predict(theta) == self.y, axis=-1)


def digits_mlp(hidden: int = 32, l2: float = 1e-4) -> MLPClassifier:
    """A perceptron with one hidden layer on scikit-learn's handwritten digits (1797 images of
    8x8 pixels scaled to [0, 1], 10 classes)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return MLPClassifier(X / 16.0, np.asarray(y), hidden=hidden, classes=10, l2=l2,
                         name="digits (multilayer perceptron)")


def split(problem, fractions=(0.6, 0.2, 0.2), *, seed=0, size: int | None = None) -> tuple:
    r"""Split a learning problem's examples into training, validation and test problems.

    The ``n`` examples are shuffled by a seeded generator (optionally only the
    first ``size`` of the shuffled examples are kept, to subsample), and dealt
    into three disjoint parts of :math:`\operatorname{round}(p_1 m)`,
    :math:`\operatorname{round}(p_2 m)` and the remaining examples, where
    :math:`m` is the number kept. Each part is the same kind of problem as
    ``problem`` (same loss, penalty, width, classes) on its own rows, built by
    :func:`dataclasses.replace`, so it has ``value``, ``grad``,
    ``minibatch_grad`` and ``accuracy`` like the original.

    The constructors of this module standardise the features on the whole data
    set before any split; the statistics of the held-out rows thus leak into
    the scaling of the training rows (mildly, and alike for every optimizer).

    Args:
        problem: a problem of this module with attributes ``X`` and ``y``.
        fractions: the shares :math:`(p_1, p_2, p_3)` of training, validation
            and test examples, positive and summing to 1.
        seed: seeds the shuffle (the same seed gives the same split).
        size: if given, keep only this many examples (2 < size <= n) before splitting.

    Returns:
        ``(train, validation, test)``.

    Example:
        >>> train, validation, test = split(breast_cancer_classification(), seed=0)
        >>> train.n, validation.n, test.n
        (341, 114, 114)
    """
    import dataclasses

    fractions = np.asarray(fractions, dtype=float)
    if fractions.shape != (3,) or np.any(fractions <= 0) or not np.isclose(fractions.sum(), 1.0):
        raise ValueError(f"fractions must be three positive shares summing to 1; got {tuple(fractions)!r}")
    n = problem.n
    kept = n if size is None else int(size)
    if not 2 < kept <= n:
        raise ValueError(f"size must be a whole number from 3 to n = {n}; got {size!r}")
    order = np.random.default_rng(seed).permutation(n)[:kept]
    n_train = int(round(fractions[0] * kept))
    n_validation = int(round(fractions[1] * kept))
    if n_train < 1 or n_validation < 1 or kept - n_train - n_validation < 1:
        raise ValueError(f"every part needs at least one example; {kept} examples at {tuple(fractions)!r} "
                         "leave one empty")
    parts = (order[:n_train], order[n_train:n_train + n_validation], order[n_train + n_validation:])
    return tuple(dataclasses.replace(problem, X=problem.X[rows], y=problem.y[rows]) for rows in parts)


@dataclass(frozen=True)
class GradientOracle:
    r"""A learning problem seen through its gradients only, for large sweeps.

    :func:`optlib.run` records the full loss :math:`f(\theta_t)` after every
    update. In a sweep of many runs on a network that costs more than the
    minibatch gradients themselves. The oracle passes ``grad``,
    ``minibatch_grad``, ``n`` and ``dim`` through to ``problem`` and returns
    zeros for ``value``, so ``run`` records the iterates only; evaluate the
    loss afterwards, at the steps you need, with
    ``problem.value(traj.params[steps])``. ``run`` still marks a run as
    diverged when its parameters stop being finite.

    Attributes:
        problem: the learning problem (anything with ``grad``,
            ``minibatch_grad``, ``n`` and ``dim``).

    Example:
        >>> import optlib
        >>> problem = breast_cancer_classification()
        >>> traj = optlib.run(optlib.sgd(lr=0.1), GradientOracle(problem), np.zeros(problem.dim),
        ...                   steps=5, batch_size=16, seed=0)
        >>> bool(np.all(traj.values == 0)), bool(problem.value(traj.final) < problem.value(traj.params[0]))
        (True, True)
    """

    problem: object

    @property
    def n(self) -> int:
        """The number of examples of the problem."""
        return self.problem.n

    @property
    def dim(self) -> int:
        """The number of parameters of the problem."""
        return self.problem.dim

    @property
    def name(self) -> str:
        return f"{getattr(self.problem, 'name', 'problem')} (gradients only)"

    def value(self, theta) -> np.ndarray:
        """Zeros of shape ``theta.shape[:-1]``: the loss is not evaluated."""
        return np.zeros(np.shape(theta)[:-1])

    def grad(self, theta) -> np.ndarray:
        return self.problem.grad(theta)

    def minibatch_grad(self, theta, indices) -> np.ndarray:
        return self.problem.minibatch_grad(theta, indices)


import functools


@dataclass(frozen=True)
class BinaryLogisticRegression(LogisticRegression):
    r""":class:`LogisticRegression` on binary features, with fast minibatch gradients.

    The loss, its gradient and every other method are those of
    :class:`LogisticRegression`. When every row of ``X`` has entries in
    {0, 1} and the same number k of ones (as one-hot encodings do), the
    minibatch gradient is computed from the positions of the ones only:
    :math:`z_i = \sum_{j \in A_i} \theta_j` and
    :math:`g_j = \frac1b \sum_{i:\, j \in A_i} (\sigma(z_i) - y_i) + \lambda\theta_j`,
    where :math:`A_i` lists the k active features of example i; this costs
    :math:`O(b k)` per run instead of :math:`O(b d)`. Otherwise it falls back
    on :meth:`LogisticRegression.minibatch_grad`. The result is the same.

    Example:
        >>> problem = BinaryLogisticRegression(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
        ...                                    np.array([1.0, 0.0]))
        >>> problem.minibatch_grad(np.zeros(3), np.array([0, 1]))
        array([-0.25,  0.25,  0.  ])
    """

    name: str = "logistic regression on binary features"

    @functools.cached_property
    def active(self):
        """The columns of the ones of each row, shape ``(n, k)``, or None if the rows do not qualify."""
        X = self.X
        counts = np.count_nonzero(X, axis=1)
        if not np.all((X == 0) | (X == 1)) or counts.size == 0 or np.any(counts != counts[0]):
            return None
        return np.nonzero(X)[1].reshape(X.shape[0], counts[0])

    def minibatch_grad(self, theta, indices) -> np.ndarray:
        active = self.active
        if active is None:
            return super().minibatch_grad(theta, indices)
        theta, indices = np.asarray(theta, dtype=float), np.asarray(indices)
        batch = np.broadcast_shapes(theta.shape[:-1], indices.shape[:-1])
        d, b = theta.shape[-1], indices.shape[-1]
        rows = int(np.prod(batch, dtype=int))
        theta_r = np.broadcast_to(theta, batch + (d,)).reshape(rows, d)
        indices_r = np.broadcast_to(indices, batch + (b,)).reshape(rows, b)
        A = active[indices_r]                                                # (rows, b, k)
        flat = (np.arange(rows)[:, None, None] * d + A).ravel()              # into theta_r.ravel()
        z = theta_r.ravel()[flat].reshape(A.shape).sum(axis=-1)              # (rows, b)
        residual = 0.5 * (1 + np.tanh(0.5 * z)) - self.y[indices_r]
        weights = np.broadcast_to(residual[..., None], A.shape).ravel()
        g = np.bincount(flat, weights, minlength=rows * d).reshape(rows, d) / b
        return (g + self.l2 * theta_r).reshape(batch + (d,))


def digits_onehot_classification(l2: float = 1e-3, target: str = "even") -> BinaryLogisticRegression:
    r"""Logistic regression on the digits' pixels one-hot encoded: real sparse binary features.

    scikit-learn's handwritten digits (1797 images of 8x8 pixels) have integer
    intensities :math:`v_{ij} \in \{0, \dots, 16\}` (image i, pixel j). Each
    pixel becomes 17 indicator features, one per value,

    .. math:: x_{i,(j,v)} = [\, v_{ij} = v \,], \qquad j = 1, \dots, 64,\ v = 0, \dots, 16,

    so that exactly one indicator of each pixel is on. The indicator columns
    that are constant over the whole data set (a value that never occurs at a
    pixel, or a pixel that always has the same value) carry no information and
    are dropped; 887 binary features remain, 61 of them on in every image and
    most of the others rarely on, plus an intercept (a last column of ones).
    The label is :math:`y = 1` if the digit is even (0, 2, 4, 6, 8) and 0 if
    odd (``target="even"``), or :math:`y = 1` for the digits 5 to 9
    (``target="high"``). The loss is :class:`LogisticRegression`'s with the
    penalty ``l2`` (a :class:`BinaryLogisticRegression`, for fast minibatch
    gradients). Nothing is random.

    Args:
        l2: the penalty :math:`\lambda \ge 0`.
        target: ``"even"`` (even digits against odd ones) or ``"high"`` (5-9 against 0-4).

    Example:
        >>> problem = digits_onehot_classification()
        >>> problem.X.shape, sorted(np.unique(problem.X).tolist())
        ((1797, 888), [0.0, 1.0])
        >>> np.unique(problem.X[:, :-1].sum(axis=1)).tolist()     # active features per image
        [61.0]
        >>> round(float(problem.y.mean()), 3)                       # share of even digits
        0.496
    """
    from sklearn.datasets import load_digits

    if target not in ("even", "high"):
        raise ValueError(f"target must be 'even' or 'high'; got {target!r}")
    pixels, digit = load_digits(return_X_y=True)
    pixels = np.asarray(pixels).astype(int)
    onehot = (pixels[:, :, None] == np.arange(17)).reshape(len(pixels), -1).astype(float)
    frequency = onehot.mean(axis=0)
    X = with_intercept(onehot[:, (frequency > 0) & (frequency < 1)])
    y = (digit % 2 == 0) if target == "even" else (digit >= 5)
    label = "even or odd" if target == "even" else "5-9 or 0-4"
    return BinaryLogisticRegression(X, np.asarray(y, dtype=float), l2=l2,
                                    name=f"digits one-hot, {label} (logistic regression)")
