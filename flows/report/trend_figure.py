"""The trend figure of the notebooks (issue 23): every round's share with its CI, per domain, and the
weighted least squares line of ``assessment/trend.csv`` through them.

For the notebooks' kernels (imports matplotlib); the flow does not import it.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["trend_figure"]


def trend_figure(estimates: pd.DataFrame, trend: pd.DataFrame, config: dict, level: str,
                 breakdowns: tuple[str, ...] = ("city", "district"), lang: str = "both"):
    """One panel per domain: the rounds' shares (95% CI bars) by year and the linear trend.

    The line has the trend's slope and passes through the ``1/SE²``-weighted means of the
    years and the shares (where the weighted least squares line passes); a suppressed estimate
    is not drawn and is not in the line.

    Parameters
    ----------
    estimates : DataFrame
        Every round's ``estimates.parquet``, stacked.
    trend : DataFrame
        ``assessment/trend.csv``.
    config : dict
        The validated config (the rounds' years).
    level : str
        The literacy level shown.
    breakdowns : tuple of str
        The breakdowns given panels, in order.
    lang : str
        The panels' titles: ``"zh"``, ``"en"`` or ``"both"``.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when there is nothing to draw.
    """
    years = {str(r["id"]): int(r["year"]) if r.get("year") is not None else int(r["id"]) for r in config["rounds"]}
    est = estimates[(estimates["level"].astype(str) == level) & estimates["breakdown"].isin(breakdowns)].copy()
    est = est[est["estimate"].notna() & (est["se"].astype(float) > 0)]
    if not len(est):
        return None
    est["year"] = est["round"].astype(str).map(years)
    tr = trend[trend["level"].astype(str) == level].set_index(["breakdown", "domain"])
    panels = est.drop_duplicates(["breakdown", "domain"])[["breakdown", "domain", "label_zh", "label_en"]]
    panels = panels.assign(_b=panels["breakdown"].map({b: i for i, b in enumerate(breakdowns)}))
    panels = panels.sort_values("_b", kind="stable")
    ncol = min(4, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), sharex=True, squeeze=False)
    for ax, (_, p) in zip(axes.ravel(), panels.iterrows()):
        d = est[(est["breakdown"] == p["breakdown"]) & (est["domain"].astype(str) == str(p["domain"]))]
        x, y = d["year"].to_numpy(dtype=float), 100 * d["estimate"].to_numpy(dtype=float)
        lo, hi = 100 * d["ci_low"].to_numpy(dtype=float), 100 * d["ci_high"].to_numpy(dtype=float)
        ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="o", color="tab:blue", capsize=3)
        key = (p["breakdown"], str(p["domain"]))
        if key in tr.index and pd.notna(tr.loc[key, "slope"]):
            w = 1.0 / d["se"].to_numpy(dtype=float) ** 2
            xb, yb = float(np.sum(w * x) / w.sum()), float(np.sum(w * y) / w.sum())
            xs = np.array([x.min(), x.max()])
            ax.plot(xs, yb + 100 * float(tr.loc[key, "slope"]) * (xs - xb), color="tab:orange", lw=1.5)
        title = {"zh": str(p["label_zh"]), "en": str(p["label_en"])}.get(lang, f"{p['label_zh']} · {p['label_en']}")
        ax.set_title(title, fontsize=9)
        ax.set_xticks(sorted(set(years.values())))
        ax.tick_params(labelsize=8)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    fig.supylabel("% (95% CI)", fontsize=9)
    fig.tight_layout()
    return fig
