"""
========================================================
Read cheque amounts, postcodes, dates and a form's boxes
========================================================

:class:`~skdigits.FieldReader` reads a handwritten field whole, without
cutting it into digits: digits may touch, slant, sit on a printed line or
in the boxes of a form. The reader shipped with skdigits
(:func:`~skdigits.field_reader.default_reader`) was trained on fields of
MNIST's training digits; here it reads fields written with MNIST's test
digits, which it never saw, each with the format the field is known to
have. A text that matches no format, or whose
probability is low, is rejected rather than guessed.
"""

# %%
import datetime

import matplotlib.pyplot as plt

from skdigits.datasets import fetch_mnist, make_digit_fields
from skdigits.field_reader import default_reader
from skdigits.formats import FieldFormat

reader = default_reader()
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
images = X_test.reshape(-1, 28, 28)

# %%
# Four fields, each read with its format: an amount has two decimals after a
# comma or a point, a postcode five digits (written touching here), a form
# six boxes, a date two, two and two or four digits.
fields = {  # kind, number of digits, format
    "amount": ("amount", (3, 7), r"[1-9]\d{0,4}[.,]\d{2}"),
    "postcode": ("touching", (5, 5), r"\d{5}"),
    "form's boxes": ("boxes", (6, 6), r"\d{6}"),
    "date": ("date", (3, 7), r"\d{2}[/.-]\d{2}[/.-](\d{2}|\d{4})"),
}
fig, axes = plt.subplots(len(fields), 1, figsize=(6, 6))
for ax, (name, (kind, length, pattern)) in zip(axes, fields.items(), strict=True):
    (field,), (text,) = make_digit_fields(
        images, y_test, 1, kind=kind, length=length, random_state=3
    )
    (reading,) = reader.read([field], format=pattern)
    verdict = "rejected" if reading.rejected else f"p = {reading.probability:.2f}"
    ax.imshow(field, cmap="gray")
    ax.set_title(f"{name}: wrote {text}, read {reading.text!r} ({verdict})")
    ax.set_axis_off()
fig.tight_layout()


# %%
# A check of the whole text goes with the format: here, that a date is one
# of the calendar (``luhn_check`` is the check digit of account numbers).
# The reader returns the most probable text that passes, or rejects the
# field.
def is_a_date(text):
    day, month, year = int(text[:2]), int(text[3:5]), int(text[6:])
    try:
        datetime.date(year if year > 99 else 2000 + year, month, day)
    except ValueError:
        return False
    return True


date = FieldFormat(r"\d{2}[/.-]\d{2}[/.-](\d{2}|\d{4})", check=is_a_date)
fields, texts = make_digit_fields(images, y_test, 6, kind="date", random_state=0)
for text, reading in zip(texts, reader.read(fields, format=date), strict=True):
    print(f"wrote {text}: read {reading.text!r}, rejected: {reading.rejected}")
