"""The StreamField blocks editors compose good practices and other pages from.

Every block names its icon and its template (as bakerydemo's base/blocks.py), so the
admin looks consistent and each block renders with accessible, semantic markup.
"""

from django.utils.translation import gettext_lazy

from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock as WagtailTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

# The whitelist of rich text features: anything else an editor pastes is stripped
# by Wagtail's converter before it reaches the database.
RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    heading_text = blocks.CharBlock(classname="title", required=True)
    size = blocks.ChoiceBlock(
        choices=[
            ("h2", gettext_lazy("Section heading")),
            ("h3", gettext_lazy("Sub-heading")),
        ],
        default="h2",
        help_text=gettext_lazy(
            "Section headings start a new section; sub-headings divide one."
        ),
    )

    class Meta:
        icon = "title"
        template = "practices/blocks/heading_block.html"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "practices/blocks/paragraph_block.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(required=True)
    alt_text = blocks.CharBlock(
        required=True,
        help_text=gettext_lazy("Describe the image for people who cannot see it."),
    )
    caption = blocks.CharBlock(required=False)
    attribution = blocks.CharBlock(required=False)

    class Meta:
        icon = "image"
        template = "practices/blocks/image_block.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(required=True)
    label = blocks.CharBlock(
        required=False,
        help_text=gettext_lazy("Link text; the document's title if empty."),
    )

    class Meta:
        icon = "doc-full"
        template = "practices/blocks/document_link_block.html"


class TableBlock(WagtailTableBlock):
    class Meta:
        icon = "table"
        template = "practices/blocks/table_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(required=True)
    attribute_name = blocks.CharBlock(required=False, label=gettext_lazy("Said by"))

    class Meta:
        icon = "openquote"
        template = "practices/blocks/quote_block.html"


class FigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(
        # xgettext:no-python-format
        help_text=gettext_lazy("The figure, e.g. 42% or 120.")
    )
    label = blocks.CharBlock(help_text=gettext_lazy("What it measures."))

    class Meta:
        icon = "order"
        template = "practices/blocks/figure_block.html"


class ResultsBlock(blocks.StructBlock):
    """What the practice achieved, in figures a reader can compare."""

    heading = blocks.CharBlock(default="Results")
    figures = blocks.ListBlock(FigureBlock(), min_num=1)
    note = blocks.TextBlock(required=False)

    class Meta:
        icon = "success"
        template = "practices/blocks/results_block.html"


class LessonsLearnedBlock(blocks.StructBlock):
    """What another State should know before doing the same."""

    heading = blocks.CharBlock(default="Lessons learned")
    lessons = blocks.ListBlock(blocks.TextBlock(), min_num=1)

    class Meta:
        icon = "help"
        template = "practices/blocks/lessons_learned_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    """The body of every content page of the portal."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    document = DocumentLinkBlock()
    table = TableBlock()
    quote = QuoteBlock()
    results = ResultsBlock()
    lessons_learned = LessonsLearnedBlock()
