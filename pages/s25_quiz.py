"""Quiz 2.5: written questions from lessons/2.5/quiz.toml and engine-generated practice."""

from ui import quiz

quiz.section_page("2.5", "Quiz 2.5: Case study Amazon EC2",
                  "Regions and zones, per-hour pricing, instance types and ECUs, performance variance.")
