"""Quiz 2.3: written questions from lessons/2.3/quiz.toml and engine-generated practice."""

from ui import quiz

quiz.section_page("2.3", "Quiz 2.3: OS- and hardware-assisted virtualization",
                  "Paravirtualization and Xen, VT-x, nested paging, tagged TLBs and device assignment.")
