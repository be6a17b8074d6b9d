[playlist]
File1=a.mp3
Title1=A - B
Length1=5
File2=http://x/y
NumberOfEntries=2
