"""The bookstore catalogue and the fixed vocabularies the sample data draws from.

Titles, authors and genres are real books. The twenty titles of the original bookstore
files keep the genre they had there (so ``1984`` stays "Fiction"). Each book has one stable
``book_id`` (``B`` + 6 digits), a list price and a relative popularity used as its base
sales weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_src.contracts import model

#: The genres the pipeline knows (the bookstore contract's canonical genres).
GENRES: tuple[str, ...] = model.get("bookstore").column("genre").canonical


@dataclass(frozen=True)
class Book:
    """One catalogue entry."""

    book_id: str
    title: str
    author: str
    genre: str
    list_price: str  # decimal text, e.g. "16.99"
    popularity: int  # relative base weight of sales

    @property
    def list_cents(self) -> int:
        """The list price in integer cents."""
        units, _, cents = self.list_price.partition(".")
        return int(units) * 100 + int(cents.ljust(2, "0"))


AGE_GROUPS: tuple[str, ...] = ("10s", "20s", "30s", "40s", "50s", "60s")

#: Relative share of each age group among buyers of a genre (rows follow AGE_GROUPS).
GENRE_AGE_WEIGHTS: dict[str, tuple[int, ...]] = {
    "Fiction": (10, 20, 20, 18, 16, 16),
    "Self-Help": (4, 22, 26, 22, 16, 10),
    "Thriller": (6, 16, 20, 22, 20, 16),
    "Romance": (14, 28, 24, 16, 10, 8),
    "Finance": (2, 20, 28, 26, 16, 8),
    "Science Fiction": (18, 24, 20, 16, 12, 10),
    "Spirituality": (4, 14, 20, 22, 22, 18),
    "Classic": (20, 14, 12, 14, 18, 22),
    "Mystery": (6, 12, 16, 20, 22, 24),
    "History": (4, 12, 16, 20, 24, 24),
    "Historical Fiction": (6, 14, 18, 20, 22, 20),
}

#: Stores of the extended schema: (store_id, name, relative traffic). S03 is the slow store.
STORES: tuple[tuple[str, str, float], ...] = (
    ("S01", "Downtown", 1.0),
    ("S02", "University", 0.8),
    ("S03", "Harbourside", 0.35),
)

#: Payment methods of the extended schema and their shares.
PAYMENT_METHODS: tuple[tuple[str, float], ...] = (
    ("card", 0.58),
    ("mobile", 0.22),
    ("cash", 0.15),
    ("gift_card", 0.05),
)

#: Items per sale line (quantity 1, 2, 3, 4) and their shares.
QUANTITY_WEIGHTS: tuple[float, ...] = (0.86, 0.10, 0.03, 0.01)

#: Discount levels (percent of list price charged) and their shares.
DISCOUNTS: tuple[tuple[int, float], ...] = ((100, 0.78), (90, 0.13), (80, 0.07), (70, 0.02))

#: The story in the numbers: one title outsells everything, one genre rises over the period.
BESTSELLER_TITLE = "Atomic Habits"
SEASONAL_GENRE = "Classic"  # gift editions ramp up before the holidays

CATALOG: tuple[Book, ...] = (
    # Fiction
    Book("B198786", "The Alchemist", "Paulo Coelho", "Fiction", "17.99", 6),
    Book("B870531", "1984", "George Orwell", "Fiction", "15.99", 6),
    Book("B943874", "The Midnight Library", "Matt Haig", "Fiction", "26.00", 6),
    Book("B664453", "Where the Crawdads Sing", "Delia Owens", "Fiction", "18.99", 5),
    Book(
        "B192389",
        "The Seven Husbands of Evelyn Hugo",
        "Taylor Jenkins Reid",
        "Fiction",
        "17.99",
        5,
    ),
    Book("B795015", "Girl, Woman, Other", "Bernardine Evaristo", "Fiction", "17.00", 2),
    Book("B307730", "Normal People", "Sally Rooney", "Fiction", "17.99", 3),
    Book(
        "B939157",
        "Tomorrow, and Tomorrow, and Tomorrow",
        "Gabrielle Zevin",
        "Fiction",
        "28.00",
        3,
    ),
    Book("B491287", "Lessons in Chemistry", "Bonnie Garmus", "Fiction", "29.00", 4),
    Book("B385944", "The Kite Runner", "Khaled Hosseini", "Fiction", "18.00", 3),
    # Self-Help
    Book("B302359", "Atomic Habits", "James Clear", "Self-Help", "27.00", 6),
    Book("B197658", "Think and Grow Rich", "Napoleon Hill", "Self-Help", "14.99", 6),
    Book("B303133", "Think Like a Monk", "Jay Shetty", "Self-Help", "26.99", 4),
    Book(
        "B907550",
        "The 7 Habits of Highly Effective People",
        "Stephen R. Covey",
        "Self-Help",
        "19.99",
        3,
    ),
    Book("B362654", "Mindset", "Carol S. Dweck", "Self-Help", "18.00", 2),
    Book(
        "B639650",
        "How to Win Friends and Influence People",
        "Dale Carnegie",
        "Self-Help",
        "16.99",
        3,
    ),
    Book("B184483", "Ikigai", "Héctor García and Francesc Miralles", "Self-Help", "20.00", 3),
    # Thriller
    Book("B931877", "The Silent Patient", "Alex Michaelides", "Thriller", "16.99", 5),
    Book("B864294", "Gone Girl", "Gillian Flynn", "Thriller", "17.00", 3),
    Book("B787240", "The Girl on the Train", "Paula Hawkins", "Thriller", "16.00", 2),
    Book("B610344", "Verity", "Colleen Hoover", "Thriller", "16.99", 4),
    Book("B899242", "The Woman in the Window", "A. J. Finn", "Thriller", "17.99", 2),
    # Romance
    Book("B451883", "It Ends with Us", "Colleen Hoover", "Romance", "18.99", 6),
    Book("B545329", "Beach Read", "Emily Henry", "Romance", "17.00", 3),
    Book("B202289", "Me Before You", "Jojo Moyes", "Romance", "17.00", 3),
    Book("B378419", "The Notebook", "Nicholas Sparks", "Romance", "15.99", 2),
    Book("B306739", "The Hating Game", "Sally Thorne", "Romance", "16.99", 2),
    # Finance
    Book("B942389", "The Psychology of Money", "Morgan Housel", "Finance", "19.99", 5),
    Book("B818997", "Rich Dad Poor Dad", "Robert T. Kiyosaki", "Finance", "18.50", 4),
    Book("B566839", "The Intelligent Investor", "Benjamin Graham", "Finance", "34.99", 2),
    Book("B968120", "I Will Teach You to Be Rich", "Ramit Sethi", "Finance", "17.95", 2),
    Book("B935097", "The Total Money Makeover", "Dave Ramsey", "Finance", "24.99", 1),
    # Science Fiction
    Book("B374330", "Dune", "Frank Herbert", "Science Fiction", "18.00", 6),
    Book("B680507", "Project Hail Mary", "Andy Weir", "Science Fiction", "28.99", 5),
    Book("B477885", "The Martian", "Andy Weir", "Science Fiction", "17.00", 3),
    Book("B147902", "Foundation", "Isaac Asimov", "Science Fiction", "17.00", 2),
    Book(
        "B198335",
        "The Hitchhiker's Guide to the Galaxy",
        "Douglas Adams",
        "Science Fiction",
        "15.99",
        3,
    ),
    Book(
        "B765760",
        "The Left Hand of Darkness",
        "Ursula K. Le Guin",
        "Science Fiction",
        "17.00",
        1,
    ),
    # Spirituality
    Book("B529858", "The Power of Now", "Eckhart Tolle", "Spirituality", "17.99", 6),
    Book("B940869", "The Four Agreements", "Don Miguel Ruiz", "Spirituality", "14.99", 3),
    Book("B833605", "Man's Search for Meaning", "Viktor E. Frankl", "Spirituality", "15.00", 3),
    Book("B593097", "The Untethered Soul", "Michael A. Singer", "Spirituality", "18.95", 2),
    # Classic
    Book("B122953", "The Great Gatsby", "F. Scott Fitzgerald", "Classic", "15.00", 5),
    Book("B775882", "To Kill a Mockingbird", "Harper Lee", "Classic", "18.99", 5),
    Book("B985294", "Pride and Prejudice", "Jane Austen", "Classic", "14.99", 3),
    Book("B815183", "Les Misérables", "Victor Hugo", "Classic", "32.00", 2),
    Book("B405328", "Jane Eyre", "Charlotte Brontë", "Classic", "14.99", 2),
    Book("B608595", "Moby-Dick", "Herman Melville", "Classic", "16.00", 1),
    Book("B434900", "Wuthering Heights", "Emily Brontë", "Classic", "14.99", 2),
    # Mystery
    Book("B961881", "The Da Vinci Code", "Dan Brown", "Mystery", "18.99", 5),
    Book("B714973", "The Thursday Murder Club", "Richard Osman", "Mystery", "18.00", 3),
    Book("B795101", "And Then There Were None", "Agatha Christie", "Mystery", "15.99", 3),
    Book(
        "B833503",
        "The Girl with the Dragon Tattoo",
        "Stieg Larsson",
        "Mystery",
        "17.99",
        2,
    ),
    Book(
        "B739680",
        "The Hound of the Baskervilles",
        "Arthur Conan Doyle",
        "Mystery",
        "14.99",
        1,
    ),
    # History
    Book("B690786", "Sapiens", "Yuval Noah Harari", "History", "24.99", 5),
    Book("B834786", "Guns, Germs, and Steel", "Jared Diamond", "History", "22.95", 2),
    Book("B534117", "SPQR", "Mary Beard", "History", "35.00", 1),
    Book("B665445", "The Silk Roads", "Peter Frankopan", "History", "38.00", 1),
    Book(
        "B310631",
        "A People's History of the United States",
        "Howard Zinn",
        "History",
        "39.99",
        1,
    ),
    # Historical Fiction
    Book(
        "B717160",
        "The Song of Achilles",
        "Madeline Miller",
        "Historical Fiction",
        "17.99",
        6,
    ),
    Book("B252649", "The Book Thief", "Markus Zusak", "Historical Fiction", "14.99", 3),
    Book(
        "B944233",
        "All the Light We Cannot See",
        "Anthony Doerr",
        "Historical Fiction",
        "20.00",
        3,
    ),
    Book("B612587", "The Nightingale", "Kristin Hannah", "Historical Fiction", "18.99", 3),
    Book("B892271", "Wolf Hall", "Hilary Mantel", "Historical Fiction", "30.00", 1),
)


def book_by_title(title: str) -> Book:
    """Return the catalogue entry with this exact title (KeyError if absent)."""
    for book in CATALOG:
        if book.title == title:
            return book
    raise KeyError(title)
