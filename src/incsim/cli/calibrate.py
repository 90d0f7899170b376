"""``incsim calibrate``: fit an incident export (or, with ``--check``, test a scenario against it)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from incsim.cli.common import MAX_SEED, Calls, ChannelPattern, ExportFormat, app, fail


class GroupBy(str, Enum):
    service = "service"
    team = "team"
    severity = "severity"
    category = "category"


MappingOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--mapping",
        metavar="COLS.YAML",
        help="Column mapping (YAML) for a CSV: of the incident EXPORT, or, when the file says 'for: calls', of the "
        "--calls reports; repeatable, one of each.",
    ),
]
"""``--mapping``, the same in every command that reads a CSV of incidents or of calls."""


@app.command("calibrate")
def calibrate(
    export: Annotated[
        Path | None,
        typer.Argument(
            help="Incident export (JSON, JSON Lines or CSV); optional with --slack.",
            metavar="EXPORT",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ExportFormat | None, typer.Option("--format", help="Export format (default: detected).")
    ] = None,
    by: Annotated[GroupBy | None, typer.Option("--by", help="Fit each group separately.")] = None,
    base: Annotated[
        Path | None,
        typer.Option(
            "--base", metavar="SCENARIO", help="Write a scenario: this one with the fitted parameters."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", help="Folder for calibration.json, report.html (and scenario.yaml with --base)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the fits as JSON.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first malformed record.")] = False,
    mapping: MappingOption = None,
    responses: Annotated[
        Path | None,
        typer.Option("--responses", metavar="FILE", help="PagerDuty responses JSON for the same incidents."),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check", metavar="SCENARIO", help="Run SCENARIO and compare its times to resolve with EXPORT."
        ),
    ] = None,
    replications: Annotated[
        int, typer.Option("-n", "--replications", min=1, help="Replications for --check.")
    ] = 10,
    seed: Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Root seed for --check.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty results folder.")] = False,
    slack: Annotated[
        Path | None,
        typer.Option(
            "--slack", metavar="DIR|ZIP", help="Slack workspace export: measure its incident channels."
        ),
    ] = None,
    calls: Calls = None,
    channels: Annotated[
        str | None,
        typer.Option(
            "--channels", metavar="A,B", help="Incident channels by name (default: by --channel-pattern)."
        ),
    ] = None,
    channel_pattern: ChannelPattern = "incident-*",
    executive_pattern: Annotated[
        str,
        typer.Option(
            "--executive-pattern",
            metavar="GLOB",
            help="Executive channels by name pattern: never incident channels; one with messages says "
            "the organisation had one (what --base makes of the 'any updates?' rate).",
        ),
    ] = "*executive*",
    update_pattern: Annotated[
        str | None,
        typer.Option(
            "--update-pattern",
            metavar="REGEX",
            help="What a structured update looks like (default: Status:, Impact:, Next steps: in order).",
        ),
    ] = None,
    request_patterns: Annotated[
        list[str] | None,
        typer.Option(
            "--request-pattern",
            metavar="REGEX",
            help="What an 'any updates?' request looks like (repeatable; replaces the defaults).",
        ),
    ] = None,
) -> None:
    """Fit durations, arrivals and response delays from a real incident export (and, with --slack,
    the people figures of its incident channels and calls)."""
    from incsim.calibrate.csvmap import split_mappings
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError
    from incsim.files import OutputError

    try:
        if calls and slack is None:
            fail(
                ["--calls needs --slack: a call belongs to the incident whose channel is open when it starts"]
            )
        if export is None and slack is None:
            fail(["give an incident export (EXPORT), a Slack export (--slack), or both"])
        mapping, calls_mapping = split_mappings(mapping)
        data = (
            None
            if export is None
            else read_export(
                export, fmt.value if fmt else None, strict=strict, mapping=mapping, responses=responses
            )
        )
        measured = None
        if slack is not None:
            measured = read_people_options(
                slack,
                calls or [],
                data,
                calls_mapping=calls_mapping,
                channels=[c.strip() for c in channels.split(",") if c.strip()] if channels else None,
                pattern=channel_pattern,
                executive_pattern=executive_pattern,
                update_pattern=update_pattern,
                request_patterns=request_patterns,
            )
        if check is not None:
            if data is not None and measured is not None:
                fail(
                    [
                        "--check compares either times to resolve (EXPORT) or people figures (--slack): "
                        "give one of them"
                    ]
                )
            if data is None:
                _people_check(check, measured, replications, seed, out, as_json, force)
                return
            _check(check, data, replications, seed, out, as_json, force)
            return
        _calibrate(data, by.value if by else None, base, out, as_json, force, measured)
    except (ExportError, OutputError) as exc:
        fail([exc])
    except KeyboardInterrupt:
        fail(["interrupted: nothing was written"], code=130)


def _calibrate(data, by, base, out, as_json, force, measured=None) -> None:
    from incsim import render
    from incsim.calibrate.calibration import calibrate as fit_export
    from incsim.calibrate.calibration import calibrated_scenario
    from incsim.calibrate.folder import dumps, write_folder
    from incsim.calibrate.records import ExportError
    from incsim.scenario.loader import ScenarioError, load_scenario_text, read_scenario_text

    calib = fit_export(data, by) if data is not None else {}
    if measured is not None:
        calib.update({k: v for k, v in measured.items() if not k.startswith("_")})
    files: dict[str, str] = {}
    if base is not None:
        try:
            text = read_scenario_text(base)
            load_scenario_text(text, str(base))  # the base's own problems and old spellings, at its lines
            if data is not None:
                text = calibrated_scenario(text, base.name, calib)
            if measured is not None:
                from incsim.calibrate.people_scenario import people_scenario

                text = people_scenario(text, base.name, measured["people"], measured["people_detail"])
            files["scenario.yaml"] = text
        except ScenarioError as exc:
            raise ExportError(str(exc.problems[0])) from None
    if out is not None:
        if data is not None:
            from incsim.calibrate.report import calibration_html

            files = {"report.html": calibration_html(calib, data), **files}
        files = {"calibration.json": dumps(calib), **files}
        write_folder(out, files, force, ["incsim", *sys.argv[1:]])
    elif base is not None:
        raise ExportError("--base writes a scenario: give -o DIR for it")
    if as_json:
        text = dumps({k: v for k, v in calib.items()})
        typer.echo(text, nl=False)
        return
    con = render.console()
    if measured is not None:
        _print_people(con, measured)
    if data is None:
        if out is not None:
            con.print(f"written to {out}", highlight=False)
        return
    from rich.table import Table

    for w in calib["warnings"]:
        con.print(f"warning: {w}", highlight=False)
    table = Table(title=f"{Path(calib['export']).name}: {calib['n']} incidents ({calib['format']})")
    for col in ("group", "n", "open", "best fit", "median", "mean", "log-sd", "KS"):
        table.add_column(col, justify="left" if col in ("group", "best fit") else "right")
    for g in calib["groups"]:
        table.add_row(
            g["group"],
            str(g["n"]),
            str(g["censored"]),
            g["best_family"],
            f"{g['median_min']:.0f} min",
            f"{g['mean_min']:.0f} min",
            f"{g['log_sd']:.2f}",
            f"{g['gof']['statistic']:.3f}",
        )
    con.print(table)
    con.print(f"read as {calib['format']}: {calib['detected']}", highlight=False)
    a = calib["arrivals"]
    con.print(
        f"arrivals: {a['per_week']:.2f}/week, weekday share {a['weekday_share']:.0%}, weekly counts "
        f"{'over-dispersed' if a['weekly_counts']['overdispersed'] else 'Poisson-like'}",
        highlight=False,
    )
    if "updates" in calib:
        con.print(f"status updates: median gap {calib['updates']['gap_median_min']:.0f} min", highlight=False)
    dropped = ", ".join(f"{k}: {v}" for k, v in calib["dropped"].items()) or "nothing"
    con.print(f"dropped: {dropped}", highlight=False)
    if out is not None:
        con.print(f"written to {out}", highlight=False)


def _check(scenario_path, data, replications, seed, out, as_json, force) -> None:
    from incsim import api, render
    from incsim.calibrate.check import check as run_check
    from incsim.calibrate.folder import dumps, write_folder
    from incsim.scenario.loader import ScenarioError

    try:
        loaded = api.load(scenario_path)
    except ScenarioError as exc:
        fail(exc.problems)
    result, history, simulated = run_check(loaded.scenario, data, replications=replications, seed=seed)
    if out is not None:
        from incsim.calibrate.report import check_html

        write_folder(
            out,
            {"check.json": dumps(result), "check.html": check_html(result, history, simulated)},
            force,
            ["incsim", *sys.argv[1:]],
            kind="check",
        )
    if as_json:
        typer.echo(dumps(result), nl=False)
        return
    from rich.table import Table

    qs = list(result["history"]["quantiles_min"])
    table = Table(title=f"{result['scenario']} vs {Path(result['export']).name}: time to resolve (min)")
    table.add_column("")
    table.add_column("n", justify="right")
    for q in qs:
        table.add_column(f"p{round(float(q) * 100)}", justify="right")
    table.add_column("KS distance", justify="right")
    h = result["history"]
    table.add_row("history", str(h["n"]), *(f"{h['quantiles_min'][q]:.0f}" for q in qs), "")
    for p, r in result["protocols"].items():
        table.add_row(
            p,
            str(r["n"]),
            *(f"{r['quantiles_min'].get(q, float('nan')):.0f}" for q in qs),
            "" if r["ks_distance"] is None else f"{r['ks_distance']:.3f}",
        )
    con = render.console()
    con.print(table)
    ratios = [r["median_ratio"] for r in result["protocols"].values() if r.get("median_ratio")]
    if ratios:
        mean_ratio = sum(ratios) / len(ratios)
        if abs(mean_ratio - 1) > 0.1:  # coordination adds to the work: say how far off the middle is
            change = "shorten" if mean_ratio > 1 else "lengthen"
            con.print(
                f"simulated medians are {mean_ratio:.2f}x the history's: {change} the diagnosis "
                f"medians and check again",
                highlight=False,
            )


def read_people_options(slack, calls, data, *, update_pattern=None, request_patterns=None, **kw) -> dict:
    """The ``people`` and ``people_detail`` objects of a calibration from a Slack export and call reports."""
    from incsim.calibrate import people as pm

    options = pm.Options(update_pattern or pm.UPDATE_PATTERN, tuple(request_patterns or pm.REQUEST_PATTERNS))
    ws, incidents, orphans = pm.read_people(slack, calls, export=data, options=options, **kw)
    return {
        "people": pm.summary(incidents),
        "people_detail": pm.detail(incidents, orphans, ws),
        "_samples": pm.samples(incidents),
    }


def _print_people(con, measured) -> None:
    p, d = measured["people"], measured["people_detail"]

    def num(x, fmt="{:.1f}"):
        return "–" if x is None else fmt.format(x)

    lat = p["answer_latency_median_min"]
    con.print(
        f"people: {p['incidents']} incident channels, {d['n']['calls']} calls "
        f"({len(d['calls_outside_channels'])} outside any channel)",
        highlight=False,
    )
    con.print(
        f"  update gap median {num(p['update_gap_median_min'])} min (n={d['n']['update_gaps']}); "
        f"update requests {num(p['update_requests_per_hour'], '{:.2f}')}/h",
        highlight=False,
    )
    con.print(
        f"  answer latency median {num(lat['business_hours'])} min in business hours, "
        f"{num(lat['off_hours'])} min off hours (n={d['n']['answers']} answers; "
        f"{d['n']['answers_in_incident']} by people already in the incident)",
        highlight=False,
    )
    con.print(
        f"  call size median {num(p['call_size_median'], '{:.0f}')}; stay to end "
        f"{num(p['stay_to_end_share'], '{:.0%}')}; non-essential hours per incident with a call "
        f"{num(p['non_essential_hours_per_incident'], '{:.2f}')}",
        highlight=False,
    )


def _people_check(scenario_path, measured, replications, seed, out, as_json, force) -> None:
    """``--check`` with only a Slack export: the scenario's simulated people figures against the measured."""
    from incsim import api, render
    from incsim.calibrate.folder import dumps, write_folder
    from incsim.calibrate.people_check import people_check
    from incsim.scenario.loader import ScenarioError

    try:
        loaded = api.load(scenario_path)
    except ScenarioError as exc:
        fail(exc.problems)
    result = people_check(
        loaded.scenario,
        measured["_samples"],
        replications=replications,
        seed=seed,
        executive_channel=bool(measured["people_detail"]["executive_channels"]),
    )
    if out is not None:
        write_folder(out, {"people-check.json": dumps(result)}, force, ["incsim", *sys.argv[1:]])
    if as_json:
        typer.echo(dumps(result), nl=False)
        return
    from rich.table import Table

    con = render.console()
    for key, title in (
        ("call_size", "people per call"),
        ("update_gap_min", "minutes between updates"),
        ("answer_in_incident_min", "minutes to answer, asked while in the incident"),
        ("answer_business_min", "minutes to answer, asked outside it in the answerer's working hours"),
        ("answer_off_min", "minutes to answer, asked outside it off hours"),
    ):
        if key not in result:
            continue
        r = result[key]
        table = Table(title=f"{result['scenario']} vs the channels: {title}")
        for col in ("", "n", "p10", "p50", "p90", "KS distance"):
            table.add_column(col, justify="left" if not col else "right")
        h = r["history"]
        table.add_row(
            "measured", str(h["n"]), *(f"{h['quantiles_min'][q]:.1f}" for q in ("0.1", "0.5", "0.9")), ""
        )
        for p, x in r["protocols"].items():
            qs = x["quantiles_min"]
            table.add_row(
                p,
                str(x["n"]),
                *(f"{qs[q]:.1f}" if q in qs else "–" for q in ("0.1", "0.5", "0.9")),
                "–" if x["ks_distance"] is None else f"{x['ks_distance']:.3f}",
            )
        con.print(table)
    st = result["spectator_stay_share"]
    shares = ", ".join(
        f"{p} {x['share']:.0%} (n={x['n']})" for p, x in st["protocols"].items() if x["share"] is not None
    )
    if st["history"]["share"] is not None:
        con.print(
            f"spectators staying to the end: measured {st['history']['share']:.0%} (n={st['history']['n']}); "
            f"simulated {shares or '–'}",
            highlight=False,
        )
    sq = result["spectator_questions_per_hour"]
    if sq["history"]["per_hour"] is not None:
        rates = ", ".join(
            f"{p} {x['per_hour']:.2f} ({x['hours']:.0f} h)"
            for p, x in sq["protocols"].items()
            if x["per_hour"] is not None
        )
        con.print(
            f"spectators' questions per spectator hour: measured {sq['history']['per_hour']:.2f} "
            f"({sq['history']['hours']:.1f} h); simulated {rates or '–'}",
            highlight=False,
        )
    rq = result["update_requests_per_hour"]
    if rq["history"]["per_hour"] is not None:
        rates = ", ".join(
            f"{p} {x['per_hour']:.2f} (the scenario asks {x['scenario_per_hour']:.2f}"
            f"{'' if x['same_practice'] else '; the other practice'})"
            for p, x in rq["protocols"].items()
            if x["per_hour"] is not None
        )
        practice = "with" if rq["history"]["executive_channel"] else "without"
        con.print(
            f"'any updates?' requests per channel hour with the IC in it: measured {rq['history']['per_hour']:.2f} "
            f"({rq['history']['requests']} in {rq['history']['hours']:.1f} h, {practice} an executive "
            f"channel); simulated {rates or '–'}",
            highlight=False,
        )
