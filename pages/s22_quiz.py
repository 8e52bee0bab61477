"""Quiz 2.2: written questions from lessons/2.2/quiz.toml and engine-generated practice."""

from ui import quiz

quiz.section_page("2.2", "Quiz 2.2: Full virtualization",
                  "Binary translation, paging, TLBs, shadow page tables and I/O virtualization.")
