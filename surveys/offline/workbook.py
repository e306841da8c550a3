"""Writing the offline workbook with openpyxl, and reading one back, cell by cell.

No Flask, no database. Writing: the layout's sheets with the answers the form shows, drop-down
lists and number/date validation, locked structure (only answer cells editable, no password), a
hidden sheet of choices and a very hidden, signed identity sheet. Reading: the file is checked as
a zip (size, members, decompressed size: a zip bomb is refused before openpyxl sees it), loaded
read-only without evaluating anything, its identity verified, and every answer cell turned into
the form data of its field; anything out of place is a `Problem` at a sheet and cell.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from surveys.export.text import clean_text, needs_guard
from surveys.languages import direction_of
from surveys.locales import number_in
from surveys.offline.contents import (
    Answers,
    Cover,
    Grid,
    OpenedWorkbook,
    Problem,
    WorkbookRefused,
)
from surveys.offline.identity import Identity, sign, verify
from surveys.offline.layout import (
    COL_ANSWER,
    COL_HELP,
    COL_KEY,
    COL_NOTES,
    COL_NUMBER,
    COL_TEXT,
    FIRST_ROW,
    HEADER_ROW,
    HEADERS,
    N_,
    SHEET_IDENTITY,
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    AnswerCell,
    CellProblem,
    Entry,
    Layout,
    Sheet,
    Translate,
    cell_value,
    form_data,
)
from surveys.translatable import AT_MOST_CHARACTERS

PAYLOAD_CHUNK = 30_000  # characters per identity cell (a cell holds 32,767)
MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED = 60 * 1024 * 1024  # all members decompressed; a real workbook is < 5 MB
MAX_RATIO = 200  # decompressed / compressed, per member larger than 1 MB

ANSWER_FILL = PatternFill("solid", fgColor="FFF7D6")
CARRIED_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
KEY_FONT = Font(color="808080", size=8)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
DATE_FORMAT = "yyyy-mm-dd"


# --------------------------------------------------------------------------- writing


def _print_setup(worksheet, title_rows: str | None = None) -> None:
    """Printed on pages as wide as the sheet, landscape, headers repeated."""
    worksheet.page_setup.orientation = "landscape"
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        worksheet.print_title_rows = title_rows


def _fit_rows(worksheet, widths: dict[int, float], first_row: int) -> None:
    """Row heights for wrapped text (spreadsheet programs do not measure rows of a file they
    did not lay out themselves): lines needed by the fullest cell, at 15 points a line."""
    for row in worksheet.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or cell.column not in widths:
                continue
            per_line = max(int(widths[cell.column] * 1.15), 1)
            needed = sum(-(-max(len(part), 1) // per_line) for part in cell.value.split("\n"))
            lines = max(lines, needed)
        if lines > 1:
            worksheet.row_dimensions[row[0].row].height = min(15 * lines, 409)


def _put(worksheet, row: int, column: int, value: object):
    """A cell that shows `value` as it is: text is never taken for a formula."""
    cell = worksheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        if needs_guard(value):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def write_workbook(
    target: str | Path | IO[bytes],
    layout: Layout,
    data: Mapping[str, object],
    identity: Identity,
    secret: str | bytes,
    cover: Cover,
    t: Translate,
    *,
    carried: Iterable[str] = (),
) -> None:
    """The workbook: instructions, one sheet per area, the choices, the signed identity.

    `data`: form data by field name (the stored answers as the area form shows them).
    `carried`: question ids whose answer was carried over from the previous round.
    """
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = t(SHEET_INSTRUCTIONS)
    _write_instructions(instructions, layout, cover, t)
    lists = workbook.create_sheet(SHEET_LISTS)
    choice_ranges = _write_lists(lists, layout)
    carried_ids = set(carried)
    for sheet in layout.sheets:
        worksheet = workbook.create_sheet(sheet.title)
        _write_area(worksheet, sheet, data, layout.language, t, carried_ids, choice_ranges)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    identity_sheet = workbook.create_sheet(SHEET_IDENTITY)
    _write_identity(identity_sheet, identity, secret, t)
    identity_sheet.sheet_state = "veryHidden"
    identity_sheet.protection.sheet = True
    if direction_of(layout.language) == "rtl":  # sheets read from the right, as the text does
        for worksheet in (instructions, *workbook.worksheets[2:-1]):
            worksheet.sheet_view.rightToLeft = True
    workbook.active = 0
    workbook.save(target)


def _write_instructions(worksheet, layout: Layout, cover: Cover, t: Translate) -> None:
    worksheet.column_dimensions["A"].width = 28
    worksheet.column_dimensions["B"].width = 90
    _put(worksheet, 1, 1, cover.title).font = Font(bold=True, size=14)
    facts = [
        (t(N_("Country")), cover.country),
        (t(N_("Round")), cover.period),
        (t(N_("Deadline")), cover.deadline),
        (t(N_("Questionnaire version")), cover.version),
        (t(N_("Areas in this workbook")), "\n".join(cover.areas)),
    ]
    if cover.made_for:
        facts.append((t(N_("Made for")), cover.made_for))
    steps = [
        N_("Answer in the yellow cells only; every other cell is locked (no password is needed)."),
        N_("Choose answers from the drop-down lists where a cell has one."),
        N_(
            "Blue cells hold answers carried over from the previous round: change them, or "
            "confirm them when you upload the workbook."
        ),
        N_("Leave a cell empty for no answer. Formulas are not evaluated: type values."),
        N_("Do not rename or delete sheets, move or delete rows, or add columns."),
        N_(
            "The “Conditions and rules” column says what each answer must respect, as on the "
            "web page. A file that breaks an error rule is refused at the upload, with the "
            "sheet and the cell. A warning needs an explanation before the questionnaire can "
            "be submitted: write it in the “Explanation of a warning” column of the question's "
            "row (it is saved with the answers), or later on the web page. An empty "
            "explanation cell keeps what was explained online."
        ),
        N_(
            "Upload the workbook on the platform (several people may each fill in their own "
            "areas): a preview shows every change before anything is saved."
        ),
    ]
    worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    row = 3
    for label, value in facts:
        _put(worksheet, row, 1, label).font = BOLD
        _put(worksheet, row, 2, value).alignment = WRAP
        row += 1
    row += 1
    _put(worksheet, row, 1, t(N_("How to fill in"))).font = BOLD
    for number, step in enumerate(steps, start=1):
        _put(worksheet, row, 2, f"{number}. {t(step)}").alignment = WRAP
        row += 1
    _fit_rows(worksheet, {2: 90}, 3)
    _print_setup(worksheet)
    worksheet.protection.sheet = True


def _write_lists(worksheet, layout: Layout) -> dict[tuple[str, ...], str]:
    """One column per distinct list of labels; returns labels -> absolute range reference."""
    ranges: dict[tuple[str, ...], str] = {}
    column = 1
    for _, _, cell in layout.field_cells():
        if cell.entry not in (Entry.CHOICE, Entry.TICK, Entry.OPTION):
            continue
        labels = cell.labels
        if labels in ranges:
            continue
        for row, label in enumerate(labels, start=1):
            _put(worksheet, row, column, label)
        letter = get_column_letter(column)
        ranges[labels] = f"{quote_sheetname(SHEET_LISTS)}!${letter}$1:${letter}${len(labels)}"
        column += 1
    return ranges


def _write_area(worksheet, sheet: Sheet, data, language, t, carried, choice_ranges) -> None:
    _put(worksheet, 1, 1, sheet.heading).font = Font(bold=True, size=13)
    if sheet.description:
        _put(worksheet, 2, 1, sheet.description)
    for column, (title, width) in enumerate(HEADERS, start=1):
        header = _put(worksheet, HEADER_ROW, column, t(title))
        header.font = Font(bold=True, color="FFFFFF")
        header.fill = HEADER_FILL
        header.alignment = WRAP
        worksheet.column_dimensions[get_column_letter(column)].width = width
    for column in range(len(HEADERS) + 1, sheet.width + 1):
        worksheet.column_dimensions[get_column_letter(column)].width = 14
    validations: dict[tuple, DataValidation] = {}
    for offset, row in enumerate(sheet.rows):
        number = FIRST_ROW + offset
        _put(worksheet, number, COL_KEY, row.key).font = KEY_FONT
        if row.number:
            _put(worksheet, number, COL_NUMBER, row.number).font = BOLD
        text = _put(worksheet, number, COL_TEXT, row.text)
        text.alignment = WRAP
        if row.heading:
            text.font = BOLD
        if row.help:
            _put(worksheet, number, COL_HELP, row.help).alignment = WRAP
        notes = row.notes
        if row.heading and row.question.id in carried:
            notes = t(N_("Carried over from the previous round.")) + ("\n" + notes if notes else "")
        if notes:
            _put(worksheet, number, COL_NOTES, notes).alignment = WRAP
        for column, label in row.labels:
            _put(worksheet, number, column, label).font = BOLD
        for cell in row.cells:
            target = _put(
                worksheet, number, cell.column, cell_value(cell, data.get(cell.field), language)
            )
            target.protection = UNLOCKED
            target.border = BOX
            target.alignment = WRAP
            is_carried = row.question.id in carried and cell.column == COL_ANSWER
            target.fill = CARRIED_FILL if is_carried else ANSWER_FILL
            if cell.entry == Entry.DATE:
                target.number_format = DATE_FORMAT
            validation = _validation(cell, choice_ranges, validations, t, language)
            if validation is not None:
                validation.add(target.coordinate)
    for validation in validations.values():
        worksheet.add_data_validation(validation)
    widths = {column: width for column, (_, width) in enumerate(HEADERS, start=1)}
    _fit_rows(worksheet, {c: w for c, w in widths.items() if c != COL_KEY}, FIRST_ROW)
    _print_setup(worksheet, f"{HEADER_ROW}:{HEADER_ROW}")
    worksheet.freeze_panes = worksheet.cell(row=FIRST_ROW, column=COL_ANSWER)
    worksheet.protection.sheet = True
    worksheet.protection.formatColumns = False  # widths and heights may be changed
    worksheet.protection.formatRows = False
    worksheet.protection.formatCells = False


def _validation(
    cell: AnswerCell, choice_ranges, validations, t, language: str
) -> DataValidation | None:
    """The data validation of an answer cell (shared by cells with the same rule)."""
    if cell.entry in (Entry.CHOICE, Entry.TICK, Entry.OPTION):
        key = ("list", cell.labels)
        if key not in validations:
            validations[key] = DataValidation(
                type="list",
                formula1=choice_ranges[cell.labels],
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=t(N_("Choose from the list")),
                error=t(N_("Choose one of the values of the drop-down list.")),
            )
        return validations[key]
    if cell.entry in (Entry.NUMBER, Entry.INTEGER):
        low = cell.low if cell.low is not None else -1e15
        high = cell.high if cell.high is not None else 1e15
        key = (cell.entry, low, high)
        if key not in validations:
            whole = cell.entry == Entry.INTEGER
            message = t(N_("Enter a whole number.")) if whole else t(N_("Enter a number."))
            validations[key] = DataValidation(
                type="whole" if whole else "decimal",
                operator="between",
                formula1=_formula_number(low),
                formula2=_formula_number(high),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=message,
                error=message,
            )
        return validations[key]
    if cell.entry == Entry.DATE:
        key = ("date",)
        if key not in validations:
            validations[key] = DataValidation(
                type="date",
                operator="between",
                formula1="DATE(1900,1,1)",
                formula2="DATE(2100,12,31)",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=t(N_("Enter a date")),
                error=t(N_("Enter a date between 1900 and 2100.")),
            )
        return validations[key]
    if cell.max_length:
        key = ("text", cell.max_length)
        if key not in validations:
            validations[key] = DataValidation(
                type="textLength",
                operator="lessThanOrEqual",
                formula1=str(cell.max_length),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=t(N_("Text too long")),
                error=t(AT_MOST_CHARACTERS, cell.max_length)
                % {"count": number_in(cell.max_length, language)},
            )
        return validations[key]
    return None


def _formula_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _write_identity(worksheet, identity: Identity, secret, t: Translate) -> None:
    payload = identity.to_json()
    _put(worksheet, 1, 1, "signature")
    _put(worksheet, 1, 2, sign(payload, secret))
    chunks = [payload[i : i + PAYLOAD_CHUNK] for i in range(0, len(payload), PAYLOAD_CHUNK)]
    for row, chunk in enumerate(chunks, start=2):
        _put(worksheet, row, 1, "payload")
        _put(worksheet, row, 2, chunk)
    _put(worksheet, len(chunks) + 3, 1, t(N_("Do not change this sheet.")))


# --------------------------------------------------------------------------- reading


def check_zip(path: Path) -> None:
    """Refuse what is not an xlsx archive, and archives that would decompress to too much."""
    if not zipfile.is_zipfile(path):
        raise WorkbookRefused(N_("This file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise WorkbookRefused(N_("This file holds too many parts to be a workbook."))
            total = 0
            for member in members:
                total += member.file_size
                large = member.file_size > 1024 * 1024
                if large and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                    raise WorkbookRefused(
                        N_("This file decompresses to far more than a workbook would.")
                    )
            if total > MAX_UNCOMPRESSED:
                raise WorkbookRefused(
                    N_("This file decompresses to more than %(size)d MB."),
                    size=MAX_UNCOMPRESSED // (1024 * 1024),
                )
            if "xl/workbook.xml" not in {m.filename for m in members}:
                raise WorkbookRefused(N_("This file is not an Excel workbook (.xlsx)."))
    except zipfile.BadZipFile:
        raise WorkbookRefused(N_("This file is not an Excel workbook (.xlsx).")) from None


def open_workbook(path: Path, secret: str | bytes) -> OpenedWorkbook:
    """The workbook's signed identity and the cells of its sheets (nothing evaluated)."""
    check_zip(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise WorkbookRefused(N_("This workbook is damaged and cannot be read.")) from None
    try:
        if SHEET_IDENTITY not in workbook.sheetnames:
            raise WorkbookRefused(
                N_(
                    "This workbook was not made by the platform for offline answering "
                    "(its identification sheet is missing)."
                )
            )
        sheets = {name: _grid(workbook[name]) for name in workbook.sheetnames}
    except WorkbookRefused:
        raise
    except Exception:
        raise WorkbookRefused(N_("This workbook is damaged and cannot be read.")) from None
    finally:
        workbook.close()
    return OpenedWorkbook(_identity(sheets[SHEET_IDENTITY], secret), sheets)


def _grid(worksheet) -> Grid:
    grid: Grid = {}
    for row in worksheet.iter_rows():
        for cell in row:
            value = getattr(cell, "value", None)
            if value is None or value == "":
                continue
            grid[(cell.row, cell.column)] = (value, getattr(cell, "data_type", "s"))
    return grid


def _identity(grid: Grid, secret) -> Identity:
    signature = grid.get((1, 2), ("", "s"))[0]
    chunks = []
    row = 2
    while grid.get((row, 1), (None,))[0] == "payload":
        chunks.append(str(grid.get((row, 2), ("", "s"))[0]))
        row += 1
    payload = "".join(chunks)
    if not payload or not verify(payload, str(signature), secret):
        raise WorkbookRefused(
            N_(
                "The workbook's identification has been changed or does not come from this "
                "platform (its signature does not match). Download a new workbook."
            )
        )
    try:
        return Identity.from_json(payload)
    except (ValueError, KeyError, TypeError):
        raise WorkbookRefused(
            N_("This workbook comes from another version of the platform.")
        ) from None


def read_answers(opened: OpenedWorkbook, layout: Layout) -> Answers:
    """Every answer cell of the layout as form data; structure problems and unreadable cells
    as problems (a renamed sheet, a moved row, an added column, a formula, a wrong choice)."""
    answers = Answers()
    for sheet in layout.sheets:
        grid = opened.sheets.get(sheet.title)
        if grid is None:
            answers.problems.append(
                Problem(
                    N_(
                        "The sheet “%(sheet)s” is missing: it was renamed or deleted. "
                        "Sheets must keep the names they were given."
                    ),
                    sheet=sheet.title,
                    params={"sheet": sheet.title},
                )
            )
            continue
        structure = _structure_problems(sheet, grid)
        answers.problems.extend(structure)
        if structure:
            continue
        pairs: list[tuple[str, object]] = []
        for row_number, cell in sheet.cells():
            coordinate = f"{get_column_letter(cell.column)}{row_number}"
            answers.places.setdefault(cell.field, (sheet.title, coordinate))
            value, data_type = grid.get((row_number, cell.column), (None, "n"))
            if data_type == "f" or (
                isinstance(value, str) and value.startswith("=") and data_type != "s"
            ):
                answers.problems.append(
                    Problem(
                        N_(
                            "This cell holds a formula; formulas are not evaluated. Type the "
                            "value itself."
                        ),
                        sheet=sheet.title,
                        cell=coordinate,
                        field=cell.field,
                    )
                )
                continue
            if data_type == "e":
                answers.problems.append(
                    Problem(
                        N_("This cell holds an error value (%(value)s). Type the value itself."),
                        sheet=sheet.title,
                        cell=coordinate,
                        params={"value": value},
                        field=cell.field,
                    )
                )
                continue
            try:
                data = form_data(cell, value, layout.language)
            except CellProblem as problem:
                answers.problems.append(
                    Problem(
                        problem.message,
                        sheet=sheet.title,
                        cell=coordinate,
                        params=problem.params,
                        field=cell.field,
                    )
                )
                continue
            if isinstance(value, str) and cell.entry == Entry.TEXT:
                answers.raw_text[cell.field] = value.strip()
            if isinstance(data, list):
                pairs.extend((cell.field, item) for item in data)
            elif isinstance(data, bool):
                if data:
                    pairs.append((cell.field, "y"))
            else:
                pairs.append((cell.field, data))
        answers.formdata[sheet.area.id] = pairs
    return answers


def _structure_problems(sheet: Sheet, grid: Grid) -> list[Problem]:
    """Rows moved, deleted or added, and columns added, found from the keys of column A."""
    problems = []
    expected = {FIRST_ROW + offset: row.key for offset, row in enumerate(sheet.rows)}
    found = {row: str(value) for (row, column), (value, _) in grid.items() if column == COL_KEY}
    position = {key: row for row, key in found.items()}
    for row_number, key in expected.items():
        if found.get(row_number) == key:
            continue
        if key in position:
            problems.append(
                Problem(
                    N_(
                        "The row of “%(key)s” was moved to row %(found)d; it belongs on row "
                        "%(row)d. Rows must not be moved."
                    ),
                    sheet=sheet.title,
                    cell=f"A{position[key]}",
                    params={"key": key, "found": position[key], "row": row_number},
                )
            )
        else:
            problems.append(
                Problem(
                    N_(
                        "The row of “%(key)s” (row %(row)d) was deleted. Rows must not be "
                        "deleted: download a new workbook or put the row back."
                    ),
                    sheet=sheet.title,
                    cell=f"A{row_number}",
                    params={"key": key, "row": row_number},
                )
            )
        if len(problems) >= 5:
            break
    last_row = FIRST_ROW + len(sheet.rows) - 1
    extra_rows = sorted(row for row in found if row > last_row)
    if extra_rows and not problems:
        problems.append(
            Problem(
                N_("Row %(row)d was added; rows must not be added."),
                sheet=sheet.title,
                cell=f"A{extra_rows[0]}",
                params={"row": extra_rows[0]},
            )
        )
    width = sheet.width
    extra = sorted({column for (_, column) in grid if column > width})
    if extra:
        letter = get_column_letter(extra[0])
        row = min(r for (r, c) in grid if c == extra[0])
        problems.append(
            Problem(
                N_(
                    "Column %(column)s holds data but is not part of the workbook: columns must "
                    "not be added."
                ),
                sheet=sheet.title,
                cell=f"{letter}{row}",
                params={"column": letter},
            )
        )
    return problems
