#!/usr/bin/env python3
"""linked_probe.py FOLDER: in a folder of three years (2023-2025) with persistent codes, the share of VPR works found again a year later by code, the matched pupils within-cell correlation, and S9-like squared residuals against the independent and the linked sampling variance."""
import polars as pl, sys, math
d=sys.argv[1]
df=pl.concat([pl.read_csv(f"{d}/results_{y}.csv",infer_schema_length=0) for y in (2023,2024,2025)],how="vertical_relaxed")
df=df.select(['year','exam','subject','grade','school','student','primary']).with_columns(pl.col('year').cast(pl.Int32),pl.col('grade').cast(pl.Int32),pl.col('primary').cast(pl.Float64))
df=df.filter(pl.col('exam')=='VPR')
# standardize per test
df=df.with_columns(((pl.col('primary')-pl.col('primary').mean().over(['year','subject','grade']))/pl.col('primary').std().over(['year','subject','grade'])).alias('x'))
nxt=df.select([(pl.col('year')-1).alias('year'),'subject',(pl.col('grade')-1).alias('grade'),'school','student',pl.col('x').alias('y')])
j=df.join(nxt,on=['year','subject','grade','school','student'],how='inner')
print('works',df.height,'linked',j.height)
# within-cell correlation
j=j.with_columns((pl.col('x')-pl.col('x').mean().over(['year','subject','grade','school'])).alias('xc'),(pl.col('y')-pl.col('y').mean().over(['year','subject','grade','school'])).alias('yc'))
sxy=(j['xc']*j['yc']).sum(); sxx=(j['xc']**2).sum(); syy=(j['yc']**2).sum()
print('within-cell r',sxy/math.sqrt(sxx*syy), 'within var x', sxx/j.height, 'y', syy/j.height)
# per-cell counts
c=df.group_by(['year','subject','grade','school']).agg(pl.len().alias('n'),pl.col('x').mean().alias('z'))
cn=c.select([(pl.col('year')-1).alias('year'),'subject',(pl.col('grade')-1).alias('grade'),'school',pl.col('n').alias('n1'),pl.col('z').alias('z1')])
jl=j.group_by(['year','subject','grade','school']).agg(pl.len().alias('m'))
p=c.join(cn,on=['year','subject','grade','school']).join(jl,on=['year','subject','grade','school'],how='left').fill_null(0)
p=p.filter((pl.col('n')>=10)&(pl.col('n1')>=10))
print('pairs',p.height,'mean link share',(p['m']/p['n']).mean(), (p['m']/p['n1']).mean())
import statistics
# fit line
zs=p['z'].to_list(); z1=p['z1'].to_list(); n=p['n'].to_list(); n1=p['n1'].to_list(); m=p['m'].to_list()
k=len(zs); mx=sum(zs)/k; my=sum(z1)/k
b=sum((a-mx)*(c-my) for a,c in zip(zs,z1))/sum((a-mx)**2 for a in zs); a0=my-b*mx
r2=[(c-a0-b*a)**2 for a,c in zip(zs,z1)]
vnom=[b*b/x+1/y for x,y in zip(n,n1)]
w=sxx/j.height; wy=syy/j.height; rho=sxy/math.sqrt(sxx*syy)
vlink=[b*b*w/x+wy/y-2*b*rho*math.sqrt(w*wy)*mm/(x*y) for x,y,mm in zip(n,n1,m)]
print('b',b,'mean r2',sum(r2)/k,'mean vnom',sum(vnom)/k,'mean vlink',sum(vlink)/k)
print('tau2 nominal',sum(r2)/k-sum(vnom)/k,'tau2 linked',sum(r2)/k-sum(vlink)/k)
